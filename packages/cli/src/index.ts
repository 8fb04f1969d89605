export { main } from './main.js';
export type { MainIo } from './main.js';
export { BaseCommand } from './base-command.js';
export { COMMANDS } from './commands.js';
// For the e2e tests of the embedded server's lifecycle, which start it the way `up` does.
export { embeddedPaths, ensureEmbeddedTunnelServer, stopEmbeddedTunnelServer } from './embedded-tunnel-server.js';
export { EMBEDDED_IDLE_ENV } from './embedded-idle-time.js';
