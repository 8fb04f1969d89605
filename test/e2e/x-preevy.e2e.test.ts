import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN } from '../support/paths.js';
import { freePort, getViaLoopback as get, offlineEnv } from '../support/preevy-e2e.js';
import { stopEmbeddedTunnelServer } from '@preevy/cli';

interface UpJson {
  urls: Array<{ service: string; port: number; url: string }>;
}

// Each x-preevy key that `up` once validated and then ignored, shown to take effect on the real
// engine with the built binary: services.<name>.expose, agent.image and tunnelServer.
describe('x-preevy settings take effect (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-xpreevy-'));
  const project = join(root, 'project');
  const home = join(root, 'home');
  const envId = `e2e-${randomBytes(3).toString('hex')}`;
  const agentTag = `preevy-e2e/agent:${envId}`;
  const env = offlineEnv(home);
  let server: ChildProcess | undefined;
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env, timeoutMs: 240_000 });

  /** One busybox service answering on 80 and 81, both published; `xPreevy` as given. */
  const writeProject = (xPreevy: Record<string, unknown>): void => {
    const web = {
      image: 'preevy-test/busybox:latest',
      pull_policy: 'never',
      init: true,
      command: ['sh', '-c', 'mkdir -p /www && echo xpreevy-web > /www/index.html && httpd -p 81 -h /www && exec httpd -f -p 80 -h /www'],
      ports: ['127.0.0.1::80', '127.0.0.1::81'],
    };
    writeFileSync(join(project, 'compose.yaml'), JSON.stringify({ name: 'xpreevy', services: { web }, 'x-preevy': xPreevy }, null, 2));
  };
  const up = async (): Promise<UpJson> => {
    const res = await preevy('up', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as UpJson;
  };
  const agentImage = async (): Promise<string> => {
    const ps = await execFile('docker', ['ps', '-q', '--filter', `label=dev.preevy.env-id=${envId}`, '--filter', 'label=dev.preevy.agent=true']);
    const inspect = await execFile('docker', ['inspect', '--format', '{{.Config.Image}}', ps.stdout.trim()]);
    return inspect.stdout.trim();
  };

  beforeAll(() => mkdirSync(project, { recursive: true }));

  afterAll(async () => {
    await preevy('down', '--id', envId);
    await stopEmbeddedTunnelServer(home);
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await execFile('docker', ['rmi', agentTag]);
    rmSync(root, { recursive: true, force: true });
  });

  it('should publish only the ports services.<name>.expose lists, as the preevy.expose label would', async () => {
    writeProject({ services: { web: { expose: [80] } } });
    const { urls } = await up();
    expect(urls.map((u) => `${u.service}:${u.port}`)).toEqual(['web:80']);
    expect((await get(urls[0]!.url)).body).toContain('xpreevy-web');
  });

  it('should run the agent from agent.image instead of building one', async () => {
    // A ready agent image of our own: the one the first `up` built, under another name.
    expect((await execFile('docker', ['tag', await agentImage(), agentTag])).exitCode).toBe(0);
    writeProject({ services: { web: { expose: [80] } }, agent: { image: agentTag } });
    delete env.PREEVY_AGENT_BASE_IMAGE; // a base image given by flag or environment would build instead
    const { urls } = await up();
    expect(await agentImage()).toBe(agentTag);
    expect((await get(urls[0]!.url)).body).toContain('xpreevy-web');
  });

  it("should publish through the project's tunnelServer, above the profile's, pinning its host key apart", async () => {
    const [ssh, http, admin] = [await freePort(), await freePort(), await freePort()];
    server = spawn(process.execPath, [CLI_BIN, 'tunnel-server', '--ssh-port', String(ssh), '--http-port', String(http), '--admin-port', String(admin),
      '--base-url', `http://project.localhost:${http}`, '--host-key-file', join(root, 'project_host_key')], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (!(await fetch(`http://127.0.0.1:${admin}/healthz`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error('the tunnel server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const tunnelServer = `ssh://127.0.0.1:${ssh}`;
    writeProject({ services: { web: { expose: [80] } }, agent: { image: agentTag }, tunnelServer });

    const { urls } = await up();
    const web = new URL(urls[0]!.url);
    expect(web.hostname).toMatch(new RegExp(`^web-80-${envId}-[a-z2-7]{12}\\.project\\.localhost$`));
    expect(web.port).toBe(String(http));
    expect((await get(web.href)).body).toContain('xpreevy-web');
    const profile = JSON.parse(readFileSync(join(home, 'profiles', 'default', 'profile.json'), 'utf8')) as { tunnelUrl?: string; projectTunnelHostKeys?: Record<string, string> };
    expect(profile.tunnelUrl).toBeUndefined();
    expect(Object.keys(profile.projectTunnelHostKeys ?? {})).toEqual([tunnelServer]);
  });
});
