import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PreevyError, properLock, type TunnelEndpoint } from '@preevy/core';
import { DEFAULT_PORTS } from '@preevy/tunnel-server/config';

/** What `up` records about the local tunnel server it started, to reuse it next time. */
interface EmbeddedState {
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

// node:http, not fetch: every `up` asks, and fetch's first call costs ~30 ms of CPU to set up undici.
const healthy = (adminPort: number): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: adminPort, path: '/healthz', timeout: 1_000, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
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
export const ensureEmbeddedTunnelServer = async ({ home, cliBin }: { home: string; cliBin: string }): Promise<TunnelEndpoint> => {
  const dir = join(home, 'tunnel-server');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stateFile = join(dir, 'embedded.json');
  const release = await properLock(dir);
  try {
    const previous = await readFile(stateFile, 'utf8').then((t) => JSON.parse(t) as EmbeddedState, () => undefined);
    if (previous && (await healthy(previous.adminPort))) return endpointOf(previous);

    // Only when the server must be started: a running one is reused without loading the server package.
    const { loadOrCreateHostKey } = await import('@preevy/tunnel-server');
    const hostKey = await loadOrCreateHostKey(join(dir, 'ssh_host_ed25519_key'));
    const sshPort = await pickPort(previous?.sshPort ?? DEFAULT_PORTS.ssh);
    const httpPort = await pickPort(previous?.httpPort ?? DEFAULT_PORTS.http);
    const adminPort = await pickPort(previous?.adminPort ?? DEFAULT_PORTS.admin);
    const log = openSync(join(dir, 'embedded.log'), 'a', 0o600);
    const child = spawn(
      process.execPath,
      [cliBin, 'tunnel-server', '--ssh-port', String(sshPort), '--http-port', String(httpPort), '--admin-port', String(adminPort),
        '--host-key-file', join(dir, 'ssh_host_ed25519_key'), '--base-url', `http://localhost:${httpPort}`],
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    const state: EmbeddedState = { pid: child.pid ?? 0, sshPort, httpPort, adminPort, hostKey: hostKey.publicKey };
    const deadline = Date.now() + 15_000;
    while (!(await healthy(adminPort))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new PreevyError('The local tunnel server did not start', {
          code: 'EMBEDDED_TUNNEL_FAILED',
          kind: 'unavailable',
          suggestions: [`Read its log: ${join(dir, 'embedded.log')}`, 'Or use a tunnel server of your own: preevy profile config update --tunnel-url ssh://HOST:PORT'],
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await writeFile(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    return endpointOf(state);
  } finally {
    await release();
  }
};

/** Stops the embedded server if it runs (for `preevy tunnel-server --stop-embedded` and tests). */
export const stopEmbeddedTunnelServer = async (home: string): Promise<boolean> => {
  const state = await readFile(join(home, 'tunnel-server', 'embedded.json'), 'utf8').then((t) => JSON.parse(t) as EmbeddedState, () => undefined);
  if (!state?.pid) return false;
  try {
    process.kill(state.pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
};
