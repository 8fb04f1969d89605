import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const env: NodeJS.ProcessEnv = {
    ...offlineEnv(home),
  };
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env, timeoutMs: 240_000 });

  beforeAll(async () => {
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    const [sshPort, http, admin, web, api] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    httpPort = http;
    Object.assign(env, { WEB_PORT: String(web), API_PORT: String(api) });
    server = spawn(process.execPath, [CLI_BIN, 'tunnel-server', '--ssh-port', String(sshPort), '--http-port', String(http), '--admin-port', String(admin),
      '--base-url', `http://remote.localhost:${http}`, '--host-key-file', join(root, 'host_key')], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (!(await fetch(`http://127.0.0.1:${admin}/healthz`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error('the tunnel server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = await preevy('profile', 'create', 'team', '--tunnel-url', `ssh://127.0.0.1:${sshPort}`, '--use');
    expect(created.exitCode, created.stderr).toBe(0);
  });

  afterAll(async () => {
    await preevy('down', '--id', envId);
    server?.kill('SIGTERM');
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
  });

  it('should fail clearly when the profile\'s tunnel server does not answer', async () => {
    const dead = await freePort();
    expect((await preevy('profile', 'create', 'dead', '--tunnel-url', `ssh://127.0.0.1:${dead}`)).exitCode).toBe(0);
    const res = await preevy('up', '--id', `${envId}-x`, '--profile', 'dead');
    expect(res.exitCode).toBe(6);
    expect(res.stderr).toContain('TUNNEL_SERVER_UNREACHABLE');
  });
});
