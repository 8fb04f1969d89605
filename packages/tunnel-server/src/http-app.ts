import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline, type Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { labelOfHost } from '@preevy/tunnel-protocol';
import {
  decideAccess,
  hostOnlySetCookie,
  isBearer,
  isCrossOriginAction,
  sessionCookieName,
  stripSessionCookie,
  withoutToken,
  type AccessDecision,
} from './access-control.js';
import type { EnvDirectory } from './env-directory.js';
import { envIndex } from './env-index.js';
import { forwardingHeaders, isForwardingHeader } from './forwarding-headers.js';
import type { Limits } from './limits.js';
import type { Metrics } from './metrics.js';
import { badGatewayPage, crossOriginPage, gatewayTimeoutPage, notFoundPage, rawResponse, unauthorizedPage, unavailablePage } from './pages.js';
import { relay } from './relay.js';
import type { Tunnel, TunnelRegistry } from './tunnel-registry.js';
import { channelOrStatus, reserveConnection, type Release } from './visitor-channel.js';

export interface HttpAppOptions {
  registry: TunnelRegistry;
  directory: EnvDirectory;
  baseUrl: URL;
  limits: Limits;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

/** Our own pages run no script and load nothing: even a field that slipped past escaping could not act. */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

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
    if (isForwardingHeader(lower)) continue;
    if (HOP_BY_HOP.has(lower) && !(keepUpgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    out.push(name, value);
  }
  for (const pair of forwardingHeaders({ address: req.socket.remoteAddress ?? '', proto: secure ? 'https' : 'http' }, req.headers.host)) out.push(...pair);
  return out;
};

/**
 * The HTTP side of the front for everything that needs per-request handling: private tunnels
 * (credentials checked on every request and stripped before the origin), the token-for-cookie
 * exchange, environment index pages and the 404 page.
 */
export const createHttpApp = ({ registry, directory, baseUrl, limits, metrics, logger, now = Date.now }: HttpAppOptions) => {
  const secure = baseUrl.protocol === 'https:';
  const baseHost = baseUrl.hostname.toLowerCase();
  const cookieName = sessionCookieName(secure);

  const send = (res: ServerResponse, status: number, html: string, outcome: string, headers: Record<string, string> = {}): void => {
    metrics.requests.inc({ outcome });
    res.writeHead(status, { ...PAGE_HEADERS, ...headers });
    res.end(html);
  };

  /** Public tunnels need no credential; private ones a share token. */
  const decide = (tunnel: Tunnel, req: IncomingMessage): AccessDecision =>
    tunnel.access === 'public'
      ? { kind: 'allow', via: 'none' }
      : decideAccess(
          tunnel,
          { target: req.url ?? '/', authorization: req.headers.authorization, cookie: req.headers.cookie },
          { secure, maxLifetime: limits.maxTokenLifetimeSeconds, clockSkew: limits.tokenClockSkewSeconds, now },
        );

  const channelFor = (tunnel: Tunnel, socket: Socket, release: Release) =>
    channelOrStatus(tunnel, socket, { timeoutMs: limits.channelOpenTimeoutMs, release, logger });

  const proxy = async (tunnel: Tunnel, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const release = reserveConnection(tunnel, limits, metrics);
    if (!release) return send(res, 503, unavailablePage(), 'tunnel-connection-limit');
    res.once('close', release);
    const channel = await channelFor(tunnel, req.socket, release);
    if (channel === 502) return send(res, 502, badGatewayPage(), 'bad-gateway');
    if (channel === 504) return send(res, 504, gatewayTimeoutPage(limits.channelOpenTimeoutMs), 'gateway-timeout');
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
        const name = pres.rawHeaders[i]!;
        const lower = name.toLowerCase();
        if (HOP_BY_HOP.has(lower)) continue;
        pairs.push(name, lower === 'set-cookie' ? hostOnlySetCookie(pres.rawHeaders[i + 1]!) : pres.rawHeaders[i + 1]!);
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
      const decision = decide(tunnel, req);
      switch (decision.kind) {
        case 'allow':
          if (decision.via === 'cookie' && crossOrigin(req, false)) return send(res, 403, crossOriginPage(), 'cross-origin');
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
    const index = label === undefined ? undefined : envIndex({ indexLabel: label, registry, directory, baseUrl, now: now() });
    if (index) return send(res, index.status, index.html, index.status === 200 ? 'index' : 'removed');
    return send(res, 404, notFoundPage(req.headers.host ?? ''), 'not-found');
  };

  const crossOrigin = (req: IncomingMessage, upgrade: boolean): boolean =>
    isCrossOriginAction({ method: req.method ?? 'GET', upgrade, origin: req.headers.origin, fetchSite: req.headers['sec-fetch-site'], host: req.headers.host }, secure);

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const label = labelOfHost(req.headers.host, baseHost);
    const tunnel = label === undefined ? undefined : registry.get(label);
    const refuse = (status: number, reason: string, outcome = `upgrade-${status}`): void => {
      metrics.requests.inc({ outcome });
      socket.end(rawResponse(status, reason));
    };
    if (!tunnel) return refuse(404, 'Not Found');
    const decision = decide(tunnel, req);
    if (decision.kind === 'deny') {
      metrics.authFailures.inc({ kind: 'token' });
      return refuse(401, 'Unauthorized');
    }
    // A token in the query of an upgrade is valid as is (there is no page to redirect), but it is
    // ours: the service gets the target without it, as it does every other request.
    if (decision.kind === 'allow' && decision.via === 'cookie' && crossOrigin(req, true)) return refuse(403, 'Forbidden', 'cross-origin');
    const release = reserveConnection(tunnel, limits, metrics);
    if (!release) return refuse(503, 'Service Unavailable');
    socket.once('close', release);
    void channelFor(tunnel, socket, release).then((channel) => {
      if (channel === 502) return refuse(502, 'Bad Gateway');
      if (channel === 504) return refuse(504, 'Gateway Timeout');
      const headers = originHeaders(req, { cookieName, secure, keepUpgrade: true });
      let text = `${req.method} ${withoutToken(req.url ?? '/')} HTTP/1.1\r\n`;
      for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
      metrics.requests.inc({ outcome: 'upgrade' });
      relay(socket, channel, { metrics, release, idleTimeoutMs: limits.idleTimeoutMs, initial: Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), head]) });
    });
  };

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: Math.min(limits.headerTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default): short limits need a finer one.
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(Math.min(limits.headerTimeoutMs, limits.requestTimeoutMs) / 4))),
      keepAliveTimeout: 5_000,
    },
    onRequest,
  );
  server.on('upgrade', onUpgrade);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    metrics.refused.inc({ reason: err.code ?? 'client-error' });
    if ((socket as Socket).writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  server.setTimeout(limits.idleTimeoutMs);
  // The app never listens (the front hands it sockets), and Node starts enforcing headersTimeout
  // and requestTimeout on 'listening': without this, a slow head or body after the first request
  // of a connection would only meet the idle timeout. `close()` stops the checker.
  server.emit('listening');
  return server;
};
