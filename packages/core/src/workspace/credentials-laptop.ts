import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { formatGitCredentialAttributes, parseGitCredentialAttributes, type GitCredentialAttributes } from '@preevy/tunnel-protocol';
import { execFileRunner, type ProcessRunner } from '../process/process-runner.js';

/** How the laptop's own credential tools are reached (programs, files, environment). */
export interface LaptopCredentialDeps {
  run?: ProcessRunner;
  env?: NodeJS.ProcessEnv;
  readText?: (path: string) => Promise<string | undefined>;
  /** A helper may wait on a keychain prompt; past this, nothing is answered. */
  timeoutMs?: number;
}

const readOptional = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/**
 * Never a prompt on the laptop's terminal (the ssh session owns it): with no helper that knows
 * the host, `git credential fill` fails and the container's git falls back.
 */
const quietGitEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' });

/** What a `get` may ask the laptop about: where, and who when git knows. Pure. */
export const gitQuestion = (attrs: GitCredentialAttributes): GitCredentialAttributes | undefined => {
  const { protocol, host, path, username } = attrs;
  if (!protocol || !host || !/^[a-z][a-z0-9+.-]*$/i.test(protocol)) return undefined;
  return { protocol, host, ...(path ? { path } : {}), ...(username ? { username } : {}) };
};

/** Runs the laptop's `git credential fill|approve|reject`; fill returns the credential it found. */
export const laptopGitCredential = async (op: 'fill' | 'approve' | 'reject', attrs: GitCredentialAttributes, deps: LaptopCredentialDeps = {}): Promise<GitCredentialAttributes | undefined> => {
  const { run = execFileRunner, env = process.env, timeoutMs = 120_000 } = deps;
  const res = await run('git', ['credential', op], { input: `${formatGitCredentialAttributes(attrs)}\n`, env: quietGitEnv(env), timeoutMs }).catch(() => undefined);
  if (op !== 'fill' || !res || res.exitCode !== 0) return undefined;
  const out = parseGitCredentialAttributes(res.stdout);
  if (out.password === undefined || out.username === undefined) return undefined;
  return { username: out.username, password: out.password, ...(out.password_expiry_utc ? { password_expiry_utc: out.password_expiry_utc } : {}) };
};

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string } | undefined>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The laptop's docker CLI config file (`$DOCKER_CONFIG/config.json`, else ~/.docker/config.json). */
export const laptopDockerConfigPath = (env: NodeJS.ProcessEnv): string => join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');

/** A registry as docker keys its credential helpers: the host[:port], Docker Hub as docker's index URL. Pure. */
export const registryKey = (serverUrl: string): string => {
  const host = serverUrl.trim().replace(/^[a-z]+:\/\//i, '').split('/')[0]!.toLowerCase();
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host) ? 'https://index.docker.io/v1/' : host;
};

const readDockerConfig = async ({ env = process.env, readText = readOptional }: LaptopCredentialDeps): Promise<DockerConfigFile> => {
  const text = await readText(laptopDockerConfigPath(env));
  if (!text) return {};
  try {
    return JSON.parse(text) as DockerConfigFile;
  } catch {
    return {};
  }
};

/** The laptop's `docker-credential-NAME` program's answer for a registry, or undefined. */
const fromHelper = async (helper: string, serverUrl: string, { run = execFileRunner, env = process.env, timeoutMs = 120_000 }: LaptopCredentialDeps) => {
  if (!/^[\w.-]+$/.test(helper)) return undefined;
  const res = await run(`docker-credential-${helper}`, ['get'], { input: serverUrl, env, timeoutMs }).catch(() => undefined);
  if (!res || res.exitCode !== 0) return undefined;
  try {
    const { Username, Secret } = JSON.parse(res.stdout) as { Username?: unknown; Secret?: unknown };
    return typeof Username === 'string' && typeof Secret === 'string' && Secret ? { username: Username, secret: Secret } : undefined;
  } catch {
    return undefined;
  }
};

/** The registries the laptop has docker credentials for (names only, no secrets), as {@link registryKey}s. */
export const laptopDockerRegistries = async (deps: LaptopCredentialDeps = {}): Promise<string[]> => {
  const config = await readDockerConfig(deps);
  const keys = [...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})];
  if (config.credsStore && /^[\w.-]+$/.test(config.credsStore)) {
    const { run = execFileRunner, env = process.env } = deps;
    const listed = await run(`docker-credential-${config.credsStore}`, ['list'], { env, timeoutMs: 30_000 }).catch(() => undefined);
    try {
      if (listed?.exitCode === 0) keys.push(...Object.keys(JSON.parse(listed.stdout) as Record<string, unknown>));
    } catch {
      // a store that cannot list: its registries are not offered
    }
  }
  return [...new Set(keys.map(registryKey))].sort();
};

/**
 * The laptop's docker credentials for one registry, as its docker CLI would find them: the
 * registry's credential helper, else its `auths` entry, else the credential store.
 */
export const laptopDockerCredential = async (serverUrl: string, deps: LaptopCredentialDeps = {}): Promise<{ username: string; secret: string } | undefined> => {
  const key = registryKey(serverUrl);
  const config = await readDockerConfig(deps);
  const helper = Object.entries(config.credHelpers ?? {}).find(([k]) => registryKey(k) === key)?.[1];
  if (helper) return fromHelper(helper, serverUrl, deps);
  const auth = Object.entries(config.auths ?? {}).find(([k]) => registryKey(k) === key)?.[1];
  if (auth?.identitytoken) return { username: '<token>', secret: auth.identitytoken };
  if (auth?.auth) {
    const decoded = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  return config.credsStore ? fromHelper(config.credsStore, serverUrl, deps) : undefined;
};
