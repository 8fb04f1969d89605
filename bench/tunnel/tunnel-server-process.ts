import { pino } from 'pino';
import type * as TunnelServerModule from '@preevy/tunnel-server';

/**
 * Starts our tunnel server from its built package. `BENCH_TUNNEL_SERVER` may point at another
 * build of it (a scratch copy with a prototype change) to measure that change in the same harness.
 */
export const startBenchTunnelServer = async (): Promise<{ sshPort: number; httpPort: number; module: string }> => {
  const module = process.env.BENCH_TUNNEL_SERVER ?? '@preevy/tunnel-server';
  const { startTunnelServer, generateHostKey } = (await import(module)) as typeof TunnelServerModule;
  const server = await startTunnelServer({
    baseUrl: new URL('http://bench.test'),
    listenHost: '127.0.0.1',
    sshPort: 0,
    httpPort: 0,
    hostKey: generateHostKey(),
    logger: pino({ level: 'silent' }),
  });
  return { sshPort: server.sshPort, httpPort: server.httpPort, module };
};
