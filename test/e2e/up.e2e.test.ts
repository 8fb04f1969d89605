import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upResultSchema } from '@preevy/core';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, labelledResources, offlineEnv } from '../support/preevy-e2e.js';
import { stopEmbeddedTunnelServer } from '@preevy/cli';

interface UpJson {
  envId: string;
  urls: Array<{ service: string; port: number; url: string; access: string; httpStatus: number }>;
}

// The main job, as a user runs it: the built binary, the example project, the local engine and
// the embedded tunnel server, with nothing set up before.
describe('preevy up / down on the docker driver (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-up-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const envId = `e2e-${randomBytes(3).toString('hex')}`;
  // Offline: the example's and the agent's base images are local ones.
  const env = offlineEnv(home);
  // Fixed host ports of the example could clash with other tests on this engine: pick free ones.
  let webPort = 0;
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env, timeoutMs: 240_000 });
  const labelled = () => labelledResources(envId);

  beforeAll(async () => {
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    const [web, api] = [await freePort(), await freePort()];
    webPort = web;
    Object.assign(env, { WEB_PORT: String(web), API_PORT: String(api) });
    // The example reads PREEVY_BASE_URI_WEB_8080; with another published port the variable is named after it.
    writeFileSync(join(project, 'compose.override.yaml'), `services:\n  api:\n    environment:\n      WEB_URL: \${PREEVY_BASE_URI_WEB_${web}:-unset}\n`);
  });

  afterAll(async () => {
    await preevy('down', '--id', envId);
    await stopEmbeddedTunnelServer(home);
    rmSync(root, { recursive: true, force: true });
  });

  it('should deploy the example and print URLs that answer through the tunnel', async () => {
    const res = await preevy('up', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as UpJson;
    expect(upResultSchema.safeParse(out).error).toBeUndefined(); // the documented --json contract
    expect(out.envId).toBe(envId);
    expect(out.urls.map((u) => `${u.service}:${u.port}`).sort()).toEqual(['api:3000', 'web:80']);
    const web = out.urls.find((u) => u.service === 'web')!;
    expect(web.url).toMatch(new RegExp(`^http://web-80-${envId}-[a-z2-7]{12}\\.localhost:\\d+$`));
    expect((await get(web.url)).body).toContain('hello from preevy');
    // PREEVY_BASE_URI_WEB_<published port> reached the API through compose interpolation.
    expect(webPort).toBeGreaterThan(0);
    const api = JSON.parse((await get(out.urls.find((u) => u.service === 'api')!.url)).body) as { webUrl: string };
    expect(api.webUrl).toBe(web.url);
  });

  it('should normalize urls --id as up does (My_Feature names my-feature)', async () => {
    const typed = envId.toUpperCase().replace(/-/g, '_');
    const res = await preevy('urls', '--id', typed, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as UpJson['urls']).map((u) => u.service).sort()).toEqual(['api', 'web']);
  });

  it('should serve an edited bind-mounted file after up again, with the same URLs', async () => {
    const first = JSON.parse((await preevy('urls', '--id', envId, '--json')).stdout) as UpJson['urls'];
    writeFileSync(join(project, 'site', 'index.html'), '<h1>edited for the review</h1>\n');
    const res = await preevy('up', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as UpJson;
    expect(out.urls.map((u) => u.url).sort()).toEqual(first.map((u) => u.url).sort());
    expect((await get(out.urls.find((u) => u.service === 'web')!.url)).body).toContain('edited for the review');
  });

  it('should deploy only the named services with up SERVICE, and write the URLs to --output-urls-to', async () => {
    const file = join(root, 'urls.json');
    const res = await preevy('up', 'web', '--id', envId, '--output-urls-to', file, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as UpJson;
    expect(out.urls.map((u) => u.service)).toEqual(['web']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(out.urls);
  });

  it('should append a share token to every URL with urls --include-access-credentials', async () => {
    const res = await preevy('urls', 'web', '--id', envId, '--include-access-credentials', '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const [web] = JSON.parse(res.stdout) as UpJson['urls'];
    const token = new URL(web!.url).searchParams.get('preevy_token') ?? '';
    expect(token.split('.')).toHaveLength(3);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: `env:${envId}`, iss: 'preevy' });
  });

  it('should hand the agent its key without leaving it in container config or on disk', async () => {
    const agent = await execFile('docker', ['ps', '-q', '--filter', `label=dev.preevy.env-id=${envId}`, '--filter', 'label=dev.preevy.agent=true']);
    const inspect = await execFile('docker', ['inspect', agent.stdout.trim()]);
    expect(inspect.stdout).not.toContain('OPENSSH PRIVATE KEY');
    const secret = await execFile('docker', ['exec', agent.stdout.trim(), 'stat', '-c', '%a', '/run/secrets/preevy_agent_key']);
    expect(secret.stdout.trim()).toBe('400');
  });

  it('should list the environment with ls, with the time of its last up', async () => {
    const res = await preevy('ls', '--json');
    const [listed] = JSON.parse(res.stdout) as Array<{ envId: string; status: string; lastUpAt: string }>;
    expect(listed).toMatchObject({ envId, status: 'up' });
    expect(Date.now() - Date.parse(listed!.lastUpAt)).toBeLessThan(10 * 60_000);
    const table = await preevy('ls');
    expect(table.stdout).toMatch(new RegExp(`${envId} +up +docker +(<1|\\d+)m ago +\\d+$`, 'm'));
  });

  it('should refuse an unknown x-preevy key with its path, creating nothing', async () => {
    const bad = join(project, 'compose.bad.yaml');
    writeFileSync(bad, 'x-preevy:\n  acess: private\n');
    const otherId = `${envId}-bad`;
    const res = await preevy('up', '-f', 'compose.yaml', '-f', 'compose.override.yaml', '-f', bad, '--id', otherId);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain('x-preevy');
    expect(res.stderr).toContain('acess');
    const created = await execFile('docker', ['ps', '-aq', '--filter', `label=dev.preevy.env-id=${otherId}`]);
    expect(created.stdout.trim()).toBe('');
  });

  it('should remove every container, network and volume of the environment with down, twice safely', async () => {
    expect((await labelled()).length).toBeGreaterThan(0);
    const res = await preevy('down', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ envId, existed: true });
    expect(await labelled()).toEqual([]);
    const images = await execFile('docker', ['image', 'ls', '-q', `${envId}-web`]);
    expect(images.stdout.trim()).toBe(''); // images built for the environment go too
    const again = await preevy('down', '--id', envId, '--json');
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ existed: false });
  });

  it('should purge an environment whose last up is older than the age: dry run first, a failure reported with exit 6, then removed', async () => {
    const oldId = `${envId}-old`;
    const up = await preevy('up', 'web', '--id', oldId);
    expect(up.exitCode, up.stderr).toBe(0);
    // Ten days pass for it: its record says so.
    const recordFile = join(home, 'profiles', 'default', 'envs', `${oldId}.json`);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    writeFileSync(recordFile, JSON.stringify({ ...(JSON.parse(readFileSync(recordFile, 'utf8')) as object), lastUpAt: tenDaysAgo }));
    const purge = (...args: string[]) => preevy('purge', '--json', ...args);
    const removedIds = (res: { stdout: string }) => (JSON.parse(res.stdout) as { removed: Array<{ envId: string }> }).removed.map((e) => e.envId);

    expect(removedIds(await purge('--older-than', '30d'))).toEqual([]);
    const dry = await purge('--older-than', '7d', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(removedIds(dry)).toEqual([oldId]);
    expect((await labelledResources(oldId)).length).toBeGreaterThan(0);

    const failing = await purge('--older-than', '7d', '--docker-host', 'unix:///nonexistent/docker.sock');
    expect(failing.exitCode).toBe(6);
    expect(JSON.parse(failing.stdout)).toMatchObject({ removed: [], failed: [{ envId: oldId, error: { code: 'DOCKER_UNREACHABLE' } }] });

    const res = await purge('--older-than', '7d');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(removedIds(res)).toEqual([oldId]);
    expect(await labelledResources(oldId)).toEqual([]);
    expect((JSON.parse((await preevy('ls', '--json')).stdout) as Array<{ envId: string }>).map((e) => e.envId)).not.toContain(oldId);

    const bad = await preevy('purge', '--older-than', '7days');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('AGE_INVALID');
  });

  it('should refuse down on an unreachable host, and forget the environment with --force', async () => {
    const args = ['down', '--id', envId, '--docker-host', 'unix:///nonexistent/docker.sock'];
    const res = await preevy(...args);
    expect(res.exitCode).toBe(6);
    expect(res.stderr).toContain('DOCKER_UNREACHABLE');
    const forced = await preevy(...args, '--force', '--json');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ envId, forced: expect.stringContaining('Could not list') as unknown });
  });
});
