import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where preevy keeps its state: `PREEVY_HOME`, else `$XDG_CONFIG_HOME/preevy`, else `~/.config/preevy`. */
export const preevyHome = (env: NodeJS.ProcessEnv = process.env, home: () => string = homedir): string =>
  env.PREEVY_HOME || join(env.XDG_CONFIG_HOME || join(home(), '.config'), 'preevy');
