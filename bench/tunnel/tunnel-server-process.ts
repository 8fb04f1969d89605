import { pino } from 'pino';
import type * as TunnelServerModule from '@preevy/tunnel-server';

export interface BenchTunnelServer {
  sshPort: number;
  httpPort: number;
  adminPort: number | undefined;
  baseHost: string;
  /** The server's public host key line, for clients that pin it (the real agent must). */
  hostKey: string;
  module: string;
  /** The limits this run set above the server's defaults (a bench must not measure a refusal). */
  limits: Record<string, unknown>;
}

const BASE_URL = new URL('http://bench.test');

/**
 * Limits the benchmark raises for itself: every visitor comes from 127.0.0.1 and one tunnel takes
 * all the load (1,000 WebSockets at once). `BENCH_SERVER_LIMITS` (JSON) adds or overrides entries,
 * e.g. for a limit the server gained after this was written. A build that does not know a key
 * ignores it.
 */
export const benchLimits = (base: Record<string, unknown>): Record<string, unknown> => ({
  ...base,
  ...(process.env.BENCH_SERVER_LIMITS ? (JSON.parse(process.env.BENCH_SERVER_LIMITS) as Record<string, unknown>) : {}),
});

/**
 * Starts our tunnel server from its built package, or from `module` (a path to another build's
 * `dist/index.js`: a prototype change, or the `BENCH_BASELINE_REF` build for a before/after run).
 * `BENCH_TUNNEL_SERVER` replaces the default module.
 */
export const startBenchTunnelServer = async ({ module, limits, admin = false }: { module?: string | undefined; limits: Record<string, unknown>; admin?: boolean }): Promise<BenchTunnelServer> => {
  const from = module || process.env.BENCH_TUNNEL_SERVER || '@preevy/tunnel-server';
  const { startTunnelServer, generateHostKey } = (await import(from)) as typeof TunnelServerModule;
  const server = await startTunnelServer({
    baseUrl: BASE_URL,
    listenHost: '127.0.0.1',
    sshPort: 0,
    httpPort: 0,
    ...(admin ? { adminPort: 0 } : {}),
    hostKey: generateHostKey(),
    limits,
    logger: pino({ level: 'silent' }),
  });
  return { sshPort: server.sshPort, httpPort: server.httpPort, adminPort: server.adminPort, baseHost: BASE_URL.hostname, hostKey: server.hostKey.publicKey, module: from, limits };
};
