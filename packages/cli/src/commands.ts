import Version from './commands/version.js';

/** Every command, listed explicitly: oclif loads this one module instead of scanning a folder. */
export const COMMANDS = {
  version: Version,
};
