import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PreevyError, properLock, type TunnelEndpoint } from '@preevy/core';
import { keyFingerprint } from '@preevy/tunnel-protocol';
import { DEFAULT_PORTS } from '@preevy/tunnel-server/config';
import { embeddedIdleMs } from './embedded-idle-time.js';
import { preevyErrorOfTunnelServer } from './tunnel-server-error.js';

/** What `up` records about the local tunnel server it started, to reuse it next time. */
export interface EmbeddedState {
  pid: number;
  sshPort: number;
  httpPort: number;
  adminPort: number;
  hostKey: string;
}

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** The preferred port while it is free (stable URLs across restarts), else any free one. */
const pickPort = async (preferred: number | undefined): Promise<number> => (preferred !== undefined && (await isFree(preferred)) ? preferred : freePort());

/** `SHA256:…` of a key line, as the server's /healthz reports its own. */
const fingerprintOf = (keyLine: string): string => keyFingerprint(Buffer.from(keyLine.split(' ')[1] ?? '', 'base64'));

/**
 * True when the server on `adminPort` answers AND holds `hostKey`: another home's embedded server
 * on the same port (two homes started at once) answers too, with its own key, and is not ours.
 * node:http, not fetch: every `up` asks, and fetch's first call costs ~30 ms of CPU to set up undici.
 */
const healthy = (adminPort: number, hostKey: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: adminPort, path: '/healthz', timeout: 1_000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body = (body + c).slice(0, 4096)));
      res.on('end', () => {
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) return resolve(false);
        try {
          resolve((JSON.parse(body) as { hostKey?: unknown }).hostKey === fingerprintOf(hostKey));
        } catch {
          resolve(false);
        }
      });
    });
    req.on('timeout', () => req.destroy()).on('error', () => resolve(false)).end();
  });

const endpointOf = (s: EmbeddedState): TunnelEndpoint => ({
  sshHost: '127.0.0.1',
  sshPort: s.sshPort,
  hostKey: s.hostKey,
  baseUrl: new URL(`http://localhost:${s.httpPort}`),
  // The server listens on this machine's loopback: only the host network reaches it.
  agentNetwork: 'host',
});

/**
 * The embedded default: a tunnel server on this machine's loopback, started by the first `up`
 * (as a detached `preevy tunnel-server`) and reused by every later one. URLs are
 * `http://{label}.localhost:{port}`; browsers resolve `*.localhost` to this machine.
 */
export const ensureEmbeddedTunnelServer = async ({ home, cliBin, env = process.env }: { home: string; cliBin: string; env?: NodeJS.ProcessEnv }): Promise<TunnelEndpoint> => {
  const { dir, stateFile } = embeddedPaths(home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const release = await properLock(dir);
  try {
    const previous = await readEmbeddedState(home);
    if (previous && (await healthy(previous.adminPort, previous.hostKey))) {
      // The claim: the server's idle watch counts it as activity, so it cannot retire between
      // this reuse and the moment `up` writes the environment's record.
      const now = new Date();
      await utimes(stateFile, now, now);
      return endpointOf(previous);
    }

    // The server reads it too; checking here turns a bad value into this command's usage error.
    embeddedIdleMs(env);
    // Only when the server must be started: a running one is reused without loading the server package.
    const { loadOrCreateHostKey } = await import('@preevy/tunnel-server');
    const hostKey = await loadOrCreateHostKey(join(dir, 'ssh_host_ed25519_key')).catch((err: unknown) => {
      throw preevyErrorOfTunnelServer(err) ?? err;
    });
    const start = async (preferred: Partial<Pick<EmbeddedState, 'sshPort' | 'httpPort' | 'adminPort'>>): Promise<EmbeddedState | undefined> => {
      const sshPort = await pickPort(preferred.sshPort);
      const httpPort = await pickPort(preferred.httpPort);
      const adminPort = await pickPort(preferred.adminPort);
      const log = openSync(embeddedPaths(home).log, 'a', 0o600);
      const child = spawn(
        process.execPath,
        [cliBin, 'tunnel-server', '--embedded', '--ssh-port', String(sshPort), '--http-port', String(httpPort), '--admin-port', String(adminPort),
          '--host-key-file', join(dir, 'ssh_host_ed25519_key'), '--base-url', `http://localhost:${httpPort}`],
        // Its idle watch reads this home's profile store, whatever home the caller was given.
        { detached: true, stdio: ['ignore', log, log], env: { ...env, PREEVY_HOME: home } },
      );
      child.unref();
      const state: EmbeddedState = { pid: child.pid ?? 0, sshPort, httpPort, adminPort, hostKey: hostKey.publicKey };
      const deadline = Date.now() + 15_000;
      while (!(await healthy(adminPort, hostKey.publicKey))) {
        // Exited: most likely another home's server took a port between the check and the bind.
        if (child.exitCode !== null) return undefined;
        if (Date.now() > deadline) {
          child.kill('SIGTERM');
          return undefined;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return state;
    };
    const state =
      (await start({ sshPort: previous?.sshPort ?? DEFAULT_PORTS.ssh, httpPort: previous?.httpPort ?? DEFAULT_PORTS.http, adminPort: previous?.adminPort ?? DEFAULT_PORTS.admin })) ??
      // The preferred ports were lost to a race: any free ones (the URLs' port changes, they still work).
      (await start({}));
    if (!state) {
      throw new PreevyError('The local tunnel server did not start', {
        code: 'EMBEDDED_TUNNEL_FAILED',
        kind: 'unavailable',
        suggestions: [`Read its log: ${embeddedPaths(home).log}`, 'Or use a tunnel server of your own: preevy profile config update --tunnel-url ssh://HOST:PORT'],
      });
    }
    await writeFile(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    return endpointOf(state);
  } finally {
    await release();
  }
};

/** Where a home's embedded server keeps its state; the directory is also what its lock is on. */
export const embeddedPaths = (home: string) => {
  const dir = join(home, 'tunnel-server');
  return { dir, stateFile: join(dir, 'embedded.json'), log: join(dir, 'embedded.log') };
};

export const readEmbeddedState = (home: string): Promise<EmbeddedState | undefined> =>
  readFile(embeddedPaths(home).stateFile, 'utf8').then((t) => JSON.parse(t) as EmbeddedState, () => undefined);

/** When `up` last started or reused the server (the state file's mtime), if it has a state file. */
export const embeddedClaimedAt = (home: string): Promise<number | undefined> => stat(embeddedPaths(home).stateFile).then((s) => s.mtimeMs, () => undefined);

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** What `stopEmbeddedTunnelServer` found. */
export interface StopEmbeddedResult {
  wasRunning: boolean;
  pid?: number;
}

export interface StopEmbeddedDeps {
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  alive?: (pid: number) => boolean;
  /** The server on the admin port answers and holds the recorded host key. */
  answers?: (adminPort: number, hostKey: string) => Promise<boolean>;
  /** How long it may drain before it is killed (its own drain time is 10 s). */
  timeoutMs?: number;
}

/**
 * Stops this home's embedded server now and forgets its state; idempotent. Only a process that
 * still answers on the recorded admin port is signalled: a recycled pid is never killed.
 */
export const stopEmbeddedTunnelServer = async (
  home: string,
  { kill = (pid, sig) => process.kill(pid, sig), alive = processAlive, answers = healthy, timeoutMs = 15_000 }: StopEmbeddedDeps = {},
): Promise<StopEmbeddedResult> => {
  const { dir, stateFile } = embeddedPaths(home);
  const state = await readEmbeddedState(home);
  if (!state) return { wasRunning: false };
  const release = await properLock(dir);
  try {
    const running = state.pid > 0 && alive(state.pid) && (await answers(state.adminPort, state.hostKey));
    if (running) {
      kill(state.pid, 'SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (alive(state.pid)) kill(state.pid, 'SIGKILL');
    }
    await rm(stateFile, { force: true });
    return running ? { wasRunning: true, pid: state.pid } : { wasRunning: false };
  } finally {
    await release();
  }
};
