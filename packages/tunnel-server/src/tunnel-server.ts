import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { baseHostOf } from '@preevy/tunnel-protocol';
import { readAuthorizedKeys } from './authorized-keys.js';
import { loadOrCreateHostKey, type HostKey } from './host-key.js';
import { EnvDirectory } from './env-directory.js';
import { createHttpApp } from './http-app.js';
import { createHttpFront } from './http-front.js';
import { resolveLimits, type Limits } from './limits.js';
import { createMetrics } from './metrics.js';
import { createTunnelServerLogger } from './server-logger.js';
import { createSshFront } from './ssh-front.js';
import { TunnelRegistry } from './tunnel-registry.js';

export interface TunnelServerOptions {
  /**
   * Public URL visitors use; tunnels live at `{label}.{host}` with the same scheme and port.
   * A function gets the bound ports first (for `httpPort: 0`, e.g. `http://localhost:{port}`).
   */
  baseUrl: URL | ((ports: { httpPort: number; httpsPort: number | undefined }) => URL);
  /** Interface to listen on. Default 127.0.0.1: a public server must ask for 0.0.0.0 explicitly. */
  listenHost?: string;
  /** 0 picks a free port. */
  sshPort: number;
  httpPort: number;
  /** HTTPS listener, with a certificate covering `*.{baseHost}` (SNI selects nothing else). */
  https?: { port: number; cert: string | Buffer; key: string | Buffer };
  /** Prometheus `/metrics` and `/healthz`; off when undefined. */
  adminPort?: number;
  /** Interface of the admin port. Default 127.0.0.1 whatever `listenHost` is: metrics are not for visitors. */
  adminListenHost?: string;
  /** Persisted host key file (created 0600 on first start), or a key in memory. */
  hostKey: { file: string } | HostKey;
  /** When set, only these keys may register tunnels. */
  authorizedKeysFile?: string;
  limits?: Partial<Limits>;
  logger?: Logger;
  now?: () => number;
}

export interface RunningTunnelServer extends AsyncDisposable {
  baseUrl: URL;
  sshPort: number;
  httpPort: number;
  httpsPort: number | undefined;
  adminPort: number | undefined;
  /** The address the admin port is bound to. */
  adminAddress: string | undefined;
  hostKey: Pick<HostKey, 'publicKey' | 'fingerprint'>;
  /** Live view, for status and tests. */
  stats(): { sshClients: number; tunnels: number; visitorConnections: number };
  /** Stops accepting, lets open visitor connections finish for up to `drainMs`, then closes all. */
  close(opts?: { drainMs?: number }): Promise<void>;
}

const listen = (server: NetServer | HttpServer | TlsServer, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

const closeServer = (server: NetServer | HttpServer | TlsServer): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** Starts the SSH server, the HTTP(S) front and the admin endpoint. */
export const startTunnelServer = async (options: TunnelServerOptions): Promise<RunningTunnelServer> => {
  const limits: Limits = resolveLimits(options.limits);
  const logger = options.logger ?? createTunnelServerLogger();
  const host = options.listenHost ?? '127.0.0.1';
  const hostKey = 'file' in options.hostKey ? await loadOrCreateHostKey(options.hostKey.file) : options.hostKey;
  const authorizedKeys = options.authorizedKeysFile ? await readAuthorizedKeys(options.authorizedKeysFile) : undefined;
  const metrics = createMetrics(limits);
  const registry = new TunnelRegistry();
  const directory = new EnvDirectory({ maxClosed: limits.closedEnvironments, closedTtlMs: limits.closedEnvironmentSeconds * 1000 });
  const now = options.now ?? Date.now;

  // Listeners first (the base URL may depend on their ports); handlers are bound once it is known.
  let onSsh: (s: Socket) => void = (s) => s.destroy();
  let onVisitor: (s: Socket) => void = (s) => s.destroy();
  const visitors = new Set<Socket>();
  const acceptVisitor = (s: Socket): void => {
    s.on('error', () => {});
    if (visitors.size >= limits.maxVisitorConnections) {
      metrics.refused.inc({ reason: 'visitor-connections' });
      return void s.destroy();
    }
    visitors.add(s);
    s.once('close', () => visitors.delete(s));
    onVisitor(s);
  };
  const sshServer = createNetServer((s) => onSsh(s));
  // Half-open: a visitor that ends its side after the request still gets the response (see relay.ts).
  const httpServer = createNetServer({ allowHalfOpen: true }, acceptVisitor);
  const tlsServer = options.https ? createTlsServer({ cert: options.https.cert, key: options.https.key, ALPNProtocols: ['http/1.1'], allowHalfOpen: true }, acceptVisitor) : undefined;
  tlsServer?.on('tlsClientError', () => metrics.refused.inc({ reason: 'tls-error' }));
  let admin: HttpServer | undefined;

  const started: Array<NetServer | HttpServer | TlsServer> = [];
  try {
    const sshPort = await listen(sshServer, options.sshPort, host).then((p) => (started.push(sshServer), p));
    const httpPort = await listen(httpServer, options.httpPort, host).then((p) => (started.push(httpServer), p));
    const httpsPort = tlsServer && options.https ? await listen(tlsServer, options.https.port, host).then((p) => (started.push(tlsServer), p)) : undefined;
    const baseUrl = typeof options.baseUrl === 'function' ? options.baseUrl({ httpPort, httpsPort }) : options.baseUrl;
    const baseHost = baseHostOf(baseUrl);

    const ssh = createSshFront({ hostKey: hostKey.privateKey, baseUrl, registry, directory, now, authorizedKeys: () => authorizedKeys, limits, metrics, logger });
    const app = createHttpApp({ registry, directory, baseUrl, limits, metrics, logger, now });
    const front = createHttpFront({ registry, baseHost, app, secure: baseUrl.protocol === 'https:', limits, metrics, logger });
    onSsh = (s) => ssh.handleSocket(s);
    onVisitor = (s) => front.handleSocket(s);

    if (options.adminPort !== undefined) {
      admin = createHttpServer((req, res) => {
        if (req.url === '/metrics') {
          metrics.registry.metrics().then(
            (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
            () => res.writeHead(500).end(),
          );
        } else if (req.url === '/healthz') {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'ok', hostKey: hostKey.fingerprint, sshClients: ssh.clientCount, tunnels: registry.size }));
        } else res.writeHead(404).end();
      });
    }
    const adminHost = options.adminListenHost ?? '127.0.0.1';
    const adminPort = admin && options.adminPort !== undefined ? await listen(admin, options.adminPort, adminHost).then((p) => (started.push(admin!), p)) : undefined;
    logger.info({ sshPort, httpPort, httpsPort, adminPort, adminHost, baseUrl: baseUrl.origin, hostKey: hostKey.fingerprint }, 'tunnel server listening');

    let closing: Promise<void> | undefined;
    const close = ({ drainMs = 5_000 } = {}): Promise<void> =>
      (closing ??= (async () => {
        const stopped = Promise.all(started.map(closeServer));
        const deadline = Date.now() + drainMs;
        while (visitors.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        for (const s of visitors) s.destroy();
        app.close(() => {});
        ssh.closeAll();
        await stopped;
        logger.info('tunnel server stopped');
      })());

    return {
      baseUrl,
      sshPort,
      httpPort,
      httpsPort,
      adminPort,
      adminAddress: adminPort === undefined ? undefined : (admin!.address() as AddressInfo).address,
      hostKey: { publicKey: hostKey.publicKey, fingerprint: hostKey.fingerprint },
      stats: () => ({ sshClients: ssh.clientCount, tunnels: registry.size, visitorConnections: visitors.size }),
      close,
      [Symbol.asyncDispose]: () => close({ drainMs: 0 }),
    };
  } catch (err) {
    await Promise.all(started.map(closeServer));
    throw err;
  }
};
