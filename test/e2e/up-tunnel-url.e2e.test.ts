import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHostKey, loadOrCreateHostKey } from '@preevy/tunnel-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, offlineEnv } from '../support/preevy-e2e.js';

// A profile that names its own tunnel server: `up` learns the base URL and host key from it.
describe('preevy up with a profile tunnel URL (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-remote-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const envId = `e2e-${randomBytes(3).toString('hex')}`;
  let server: ChildProcess;
  let httpPort = 0;
  let ports = { ssh: 0, http: 0, admin: 0 };
  const env: NodeJS.ProcessEnv = {
    ...offlineEnv(home),
  };
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env, timeoutMs: 240_000 });

  /** Starts `preevy tunnel-server` on the test's ports with the host key in `hostKeyFile` (created if missing). */
  const startServer = async (hostKeyFile: string): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [CLI_BIN, 'tunnel-server', '--ssh-port', String(ports.ssh), '--http-port', String(ports.http), '--admin-port', String(ports.admin),
      '--base-url', `http://remote.localhost:${ports.http}`, '--host-key-file', hostKeyFile], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (!(await fetch(`http://127.0.0.1:${ports.admin}/healthz`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error('the tunnel server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    return child;
  };
  const stopServer = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const tunnelUrl = () => `ssh://127.0.0.1:${ports.ssh}`;
  const profileView = async (name: string) => {
    const res = await preevy('profile', 'config', 'view', '--profile', name, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as { tunnelHostKey?: string };
  };

  beforeAll(async () => {
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    const [sshPort, http, admin, web, api] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    httpPort = http;
    ports = { ssh: sshPort, http, admin };
    Object.assign(env, { WEB_PORT: String(web), API_PORT: String(api) });
    server = await startServer(join(root, 'host_key'));
    const created = await preevy('profile', 'create', 'team', '--tunnel-url', tunnelUrl(), '--use');
    expect(created.exitCode, created.stderr).toBe(0);
  });

  afterAll(async () => {
    await preevy('down', '--id', envId);
    if (server) await stopServer(server);
    rmSync(root, { recursive: true, force: true });
  });

  it('should publish through the profile\'s tunnel server, under its base URL', async () => {
    const res = await preevy('up', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const { urls } = JSON.parse(res.stdout) as { urls: Array<{ service: string; url: string }> };
    const web = new URL(urls.find((u) => u.service === 'web')!.url);
    expect(web.hostname).toMatch(new RegExp(`^web-80-${envId}-[a-z2-7]{12}\\.remote\\.localhost$`));
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port: httpPort, headers: { Host: web.host }, agent: false }, (r) => {
        let text = '';
        r.on('data', (d: Buffer) => (text += d.toString())).on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toContain('hello from preevy');

    // Trust on first use: the server's key is now the profile's, and the user was told.
    const hostKey = await loadOrCreateHostKey(join(root, 'host_key'));
    expect(res.stderr).toContain(`pinned tunnel server host key ${hostKey.fingerprint} for ${tunnelUrl()} in profile "team"`);
    expect((await profileView('team')).tunnelHostKey).toBe(hostKey.publicKey);
    const again = await preevy('up', '--id', envId, '--json');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('pinned tunnel server host key');
  });

  it('should refuse a server presenting another host key at the same URL, with the remedy, and keep the pin', async () => {
    const pinned = (await profileView('team')).tunnelHostKey;
    expect(pinned).toBeDefined();
    await stopServer(server);
    server = await startServer(join(root, 'other_host_key'));
    const impostor = await loadOrCreateHostKey(join(root, 'other_host_key'));

    const res = await preevy('up', '--id', envId);
    expect(res.exitCode, res.stderr).toBe(5);
    expect(res.stderr).toContain('TUNNEL_HOST_KEY_CHANGED');
    expect(res.stderr).toContain(`presented host key ${impostor.fingerprint}`);
    expect(res.stderr).toContain(`--tunnel-host-key '${impostor.publicKey}'`);
    expect((await profileView('team')).tunnelHostKey).toBe(pinned);

    // The operator confirms the new key: pinning it lets `up` through again.
    const update = await preevy('profile', 'config', 'update', '--tunnel-host-key', impostor.publicKey);
    expect(update.exitCode, update.stderr).toBe(0);
    const after = await preevy('up', '--id', envId, '--json');
    expect(after.exitCode, after.stderr).toBe(0);
  });

  it('should refuse, at first contact, a server that does not match the key pinned with --tunnel-host-key', async () => {
    const expected = generateHostKey();
    const created = await preevy('profile', 'create', 'pinned', '--tunnel-url', tunnelUrl(), '--tunnel-host-key', expected.fingerprint);
    expect(created.exitCode, created.stderr).toBe(0);
    const res = await preevy('up', '--id', `${envId}-p`, '--profile', 'pinned');
    expect(res.exitCode).toBe(5);
    expect(res.stderr).toContain('TUNNEL_HOST_KEY_CHANGED');
    expect((await profileView('pinned')).tunnelHostKey).toBe(expected.fingerprint);
  });

  it('should fail clearly when the profile\'s tunnel server does not answer', async () => {
    const dead = await freePort();
    expect((await preevy('profile', 'create', 'dead', '--tunnel-url', `ssh://127.0.0.1:${dead}`)).exitCode).toBe(0);
    const res = await preevy('up', '--id', `${envId}-x`, '--profile', 'dead');
    expect(res.exitCode).toBe(6);
    expect(res.stderr).toContain('TUNNEL_SERVER_UNREACHABLE');
  });
});
