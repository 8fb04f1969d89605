// The server's settings without the server (no ssh2, pino or prom-client): what a CLI needs to
// declare its flags, so a command that never runs the server does not pay for loading it.
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits } from './limits.js';
export { ConfigError, DEFAULT_PORTS, ENV as TUNNEL_SERVER_ENV, limitEnvName, optionsFromEnv } from './env-config.js';
export { TunnelServerError } from './tunnel-server-error.js';
export type { TunnelServerErrorKind } from './tunnel-server-error.js';
