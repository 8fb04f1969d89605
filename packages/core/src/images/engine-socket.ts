import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface EngineSocketDeps {
  platform?: NodeJS.Platform;
  home?: string;
  /** Text of a file, undefined when it cannot be read. */
  readText?: (path: string) => string | undefined;
}

const readTextFile = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const currentContext = (configText: string | undefined): string | undefined => {
  if (configText === undefined) return undefined;
  try {
    const value = (JSON.parse(configText) as { currentContext?: unknown }).currentContext;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return 'unreadable';
  }
};

/**
 * The unix socket of the engine the docker CLI would reach, when `dockerHost` (undefined: the CLI's
 * default) and the docker config make it certain: `unix://PATH`, or the default socket when no
 * context is chosen. Undefined otherwise (tcp, ssh, a context, Windows): then only the CLI knows.
 */
export const engineSocketPath = (dockerHost: string | undefined, env: NodeJS.ProcessEnv = process.env, { platform = process.platform, home = homedir(), readText = readTextFile }: EngineSocketDeps = {}): string | undefined => {
  if (platform === 'win32') return undefined;
  if (dockerHost) return dockerHost.startsWith('unix://') ? dockerHost.slice('unix://'.length) : undefined;
  if (env.DOCKER_CONTEXT && env.DOCKER_CONTEXT !== 'default') return undefined;
  const context = currentContext(readText(join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json')));
  return context === undefined || context === 'default' ? '/var/run/docker.sock' : undefined;
};

/** A GET on the Docker Engine API: the status code, or undefined when nothing answered in time. */
export type EngineGet = (socketPath: string, path: string) => Promise<number | undefined>;

/**
 * The Engine API over its unix socket: a few ms, where each docker CLI run costs tens (a process
 * start). Only for yes/no questions; anything it cannot answer goes to the CLI as before.
 */
export const engineGet: EngineGet = (socketPath, path) =>
  new Promise((resolve) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'docker' }, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });

/** True when the engine at `dockerHost` answers a ping on its unix socket; false means "ask the CLI". */
export const pingsOnSocket = async (dockerHost: string | undefined, get: EngineGet = engineGet, env: NodeJS.ProcessEnv = process.env): Promise<boolean> => {
  const socket = engineSocketPath(dockerHost, env);
  return socket !== undefined && (await get(socket, '/_ping')) === 200;
};
