import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execFileRunner, type ProcessRunner } from './process-runner.js';

/** Where the Unix docker CLI looks for plugins after its config folder's cli-plugins and `cliPluginsExtraDirs`. */
const SYSTEM_PLUGIN_DIRS = ['/usr/local/lib/docker/cli-plugins', '/usr/local/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins', '/usr/libexec/docker/cli-plugins'];

export interface ComposePluginDeps {
  platform?: NodeJS.Platform;
  home?: string;
  /** Text of a file, undefined when it cannot be read. */
  readText?: (path: string) => string | undefined;
  isExecutable?: (path: string) => boolean;
}

const readTextFile = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const extraDirs = (configText: string | undefined): string[] => {
  if (configText === undefined) return [];
  try {
    const dirs = (JSON.parse(configText) as { cliPluginsExtraDirs?: unknown }).cliPluginsExtraDirs;
    return Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
};

/**
 * The compose plugin binary `docker compose` runs, found the way the docker CLI finds it
 * (`$DOCKER_CONFIG/cli-plugins`, the config's `cliPluginsExtraDirs`, then the system folders);
 * undefined when it is elsewhere or on Windows: then `docker compose` itself runs.
 */
export const findComposePlugin = (env: NodeJS.ProcessEnv, { platform = process.platform, home = homedir(), readText = readTextFile, isExecutable = executable }: ComposePluginDeps = {}): string | undefined => {
  if (platform === 'win32') return undefined;
  const configDir = env.DOCKER_CONFIG || join(home, '.docker');
  const dirs = [join(configDir, 'cli-plugins'), ...extraDirs(readText(join(configDir, 'config.json'))), ...SYSTEM_PLUGIN_DIRS];
  return dirs.map((d) => join(d, 'docker-compose')).find(isExecutable);
};

/**
 * A runner that starts `docker compose …` as the compose plugin itself (`docker-compose …`, its
 * standalone mode, same flags and the same DOCKER_HOST, context and config): the docker CLI
 * would start it anyway, after a second start of it for its metadata. Two process starts fewer,
 * about 45 ms per compose command. Every other program runs as asked.
 */
export const directComposeRunner = (runner: ProcessRunner = execFileRunner, find: (env: NodeJS.ProcessEnv) => string | undefined = findComposePlugin): ProcessRunner => (file, args, options) => {
  if (file !== 'docker' || args[0] !== 'compose') return runner(file, args, options);
  const plugin = find(options?.env ?? process.env);
  return plugin ? runner(plugin, args.slice(1), options) : runner(file, args, options);
};

/** The production runner of commands that run compose: node's execFile, compose started directly. */
export const dockerProcessRunner: ProcessRunner = directComposeRunner();
