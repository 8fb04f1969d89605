import { pino } from 'pino';
import { generateHostKey } from '../host-key.js';
import { startTunnelServer, type RunningTunnelServer, type TunnelServerOptions } from '../tunnel-server.js';

export const TEST_BASE_HOST = 'preevy.test';

/** A tunnel server on ephemeral loopback ports with a fresh host key and no log output. */
export const startTestServer = (overrides: Partial<TunnelServerOptions> = {}): Promise<RunningTunnelServer> =>
  startTunnelServer({
    baseUrl: new URL(`http://${TEST_BASE_HOST}`),
    sshPort: 0,
    httpPort: 0,
    hostKey: generateHostKey(),
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
