import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline, type Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { envIndexLabel, labelOfHost, urlOfLabel } from '@preevy/tunnel-protocol';
import { decideAccess, isBearer, sessionCookieName, stripSessionCookie, type AccessDecision } from './access-control.js';
import type { Limits } from './limits.js';
import type { Metrics } from './metrics.js';
import { badGatewayPage, indexPage, notFoundPage, unauthorizedPage } from './pages.js';
import { relay } from './relay.js';
import type { Tunnel, TunnelRegistry } from './tunnel-registry.js';

export interface HttpAppOptions {
  registry: TunnelRegistry;
  baseUrl: URL;
  limits: Limits;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** Request headers for the origin: our credentials removed, forwarding headers added. */
const originHeaders = (req: IncomingMessage, { cookieName, secure, keepUpgrade }: { cookieName: string; secure: boolean; keepUpgrade: boolean }): string[] => {
  const out: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'authorization' && isBearer(value)) continue;
    if (lower === 'cookie') {
      const kept = stripSessionCookie(value, cookieName);
      if (kept) out.push(name, kept);
      continue;
    }
    if (lower.startsWith('x-forwarded-')) continue; // never trust a visitor's own forwarding headers
    if (HOP_BY_HOP.has(lower) && !(keepUpgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    out.push(name, value);
  }
  out.push('X-Forwarded-For', req.socket.remoteAddress ?? '', 'X-Forwarded-Proto', secure ? 'https' : 'http', 'X-Forwarded-Host', req.headers.host ?? '');
  return out;
};

/**
 * The HTTP side of the front for everything that needs per-request handling: private tunnels
 * (credentials checked on every request and stripped before the origin), the token-for-cookie
 * exchange, environment index pages and the 404 page.
 */
export const createHttpApp = ({ registry, baseUrl, limits, metrics, logger, now = Date.now }: HttpAppOptions) => {
  const secure = baseUrl.protocol === 'https:';
  const baseHost = baseUrl.hostname.toLowerCase();
  const cookieName = sessionCookieName(secure);

  const send = (res: ServerResponse, status: number, html: string, outcome: string, headers: Record<string, string> = {}): void => {
    metrics.requests.inc({ outcome });
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    res.end(html);
  };

  const check = (tunnel: Tunnel, req: IncomingMessage): AccessDecision =>
    decideAccess(
      tunnel,
      { target: req.url ?? '/', authorization: req.headers.authorization, cookie: req.headers.cookie },
      { secure, maxLifetime: limits.maxTokenLifetimeSeconds, now },
    );

  const openChannel = (tunnel: Tunnel, socket: Socket): Promise<Duplex> =>
    tunnel.owner.openChannel(tunnel, { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 });

  const proxy = async (tunnel: Tunnel, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let channel: Duplex;
    try {
      channel = await openChannel(tunnel, req.socket);
    } catch (err) {
      logger.info({ label: tunnel.label, err: (err as Error).message }, 'agent refused a channel');
      return send(res, 502, badGatewayPage(), 'bad-gateway');
    }
    metrics.requests.inc({ outcome: 'proxied' });
    const out = request({
      method: req.method,
      path: req.url,
      headers: originHeaders(req, { cookieName, secure, keepUpgrade: false }),
      createConnection: () => channel,
      setHost: false,
    });
    out.on('response', (pres) => {
      const pairs: string[] = [];
      for (let i = 0; i < pres.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.has(pres.rawHeaders[i]!.toLowerCase())) pairs.push(pres.rawHeaders[i]!, pres.rawHeaders[i + 1]!);
      }
      res.writeHead(pres.statusCode ?? 502, pres.statusMessage, pairs);
      pipeline(pres, res, () => channel.destroy());
    });
    out.on('error', () => {
      if (!res.headersSent) send(res, 502, badGatewayPage(), 'bad-gateway');
      else res.destroy();
      channel.destroy();
    });
    pipeline(req, out, () => {});
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const label = labelOfHost(req.headers.host, baseHost);
    const tunnel = label === undefined ? undefined : registry.get(label);
    if (tunnel) {
      const decision = tunnel.access === 'public' ? ({ kind: 'allow' } as const) : check(tunnel, req);
      switch (decision.kind) {
        case 'allow':
          return void proxy(tunnel, req, res);
        case 'exchange':
          metrics.requests.inc({ outcome: 'token-exchange' });
          res.writeHead(303, { Location: decision.location, 'Set-Cookie': decision.cookie, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
          return void res.end();
        case 'deny':
          metrics.authFailures.inc({ kind: 'token' });
          return send(res, 401, unauthorizedPage(decision.reason), 'unauthorized');
      }
    }
    const envTunnels = label === undefined ? [] : registry.all().filter((t) => envIndexLabel(t) === label);
    if (envTunnels.length) {
      const infos = envTunnels.map((t) => ({ name: t.name, label: t.label, url: urlOfLabel(t.label, baseUrl), access: t.access, ...(t.service ? { service: t.service } : {}), ...(t.port ? { port: t.port } : {}) }));
      return send(res, 200, indexPage(envTunnels[0]!.envId, infos), 'index');
    }
    return send(res, 404, notFoundPage(req.headers.host ?? ''), 'not-found');
  };

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const label = labelOfHost(req.headers.host, baseHost);
    const tunnel = label === undefined ? undefined : registry.get(label);
    const refuse = (status: number, reason: string): void => {
      metrics.requests.inc({ outcome: `upgrade-${status}` });
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!tunnel) return refuse(404, 'Not Found');
    const decision = tunnel.access === 'public' ? { kind: 'allow' } : check(tunnel, req);
    // A token in the query of an upgrade is valid as is: there is no page to redirect.
    if (decision.kind === 'deny') {
      metrics.authFailures.inc({ kind: 'token' });
      return refuse(401, 'Unauthorized');
    }
    openChannel(tunnel, socket).then(
      (channel) => {
        const headers = originHeaders(req, { cookieName, secure, keepUpgrade: true });
        let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
        for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
        channel.write(`${text}\r\n`);
        if (head.length) channel.write(head);
        metrics.requests.inc({ outcome: 'upgrade' });
        relay(socket, channel, { tunnel, metrics, idleTimeoutMs: limits.idleTimeoutMs });
      },
      () => refuse(502, 'Bad Gateway'),
    );
  };

  const server = createServer({ maxHeaderSize: limits.maxHeaderBytes, headersTimeout: limits.headerTimeoutMs, requestTimeout: 0, keepAliveTimeout: 5_000 }, onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    metrics.refused.inc({ reason: err.code ?? 'client-error' });
    if ((socket as Socket).writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  server.setTimeout(limits.idleTimeoutMs);
  return server;
};
