export { startTunnelServer } from './tunnel-server.js';
export type { RunningTunnelServer, TunnelServerOptions } from './tunnel-server.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits } from './limits.js';
export { generateHostKey, loadOrCreateHostKey } from './host-key.js';
export type { HostKey } from './host-key.js';
