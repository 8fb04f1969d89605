export { startTunnelServer } from './tunnel-server.js';
export type { RunningTunnelServer, TunnelServerOptions } from './tunnel-server.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits } from './limits.js';
export { generateHostKey, loadOrCreateHostKey } from './host-key.js';
export type { HostKey } from './host-key.js';
export { ConfigError, DEFAULT_PORTS, ENV as TUNNEL_SERVER_ENV, optionsFromEnv } from './env-config.js';
export { runUntilSignal } from './run-until-signal.js';
export { main as tunnelServerMain } from './main.js';
