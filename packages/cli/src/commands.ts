import EnvId from './commands/env-id.js';
import TunnelServer from './commands/tunnel-server.js';
import Version from './commands/version.js';

/** Every command, listed explicitly: oclif loads this one module instead of scanning a folder. */
export const COMMANDS = {
  'env-id': EnvId,
  'tunnel-server': TunnelServer,
  version: Version,
};
