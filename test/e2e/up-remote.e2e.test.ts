import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerTcpProxy, type DockerTcpProxy } from '../support/docker-tcp-proxy.js';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, labelledResources, offlineEnv } from '../support/preevy-e2e.js';
import { stopEmbeddedTunnelServer } from '@preevy/cli';

interface UpJson {
  envId: string;
  urls: Array<{ service: string; port: number; url: string }>;
  sync?: { paths: number; sent: number; unchanged: number; deleted: number; bytes: number };
}

// A remote Docker host, played by the local engine reached over TCP: the bind-mounted ./site must
// reach the host through the sync volume, not through the local path.
describe('preevy up on a remote Docker host (built binary, --docker-host tcp://)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-remote-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const envId = `e2e-remote-${randomBytes(3).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...offlineEnv(home),
    PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest',
  };
  let proxy: DockerTcpProxy;
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args, '--docker-host', proxy.dockerHost], { cwd: project, env, timeoutMs: 240_000 });
  const labelled = () => labelledResources(envId);
  const webUrl = (out: UpJson): string => out.urls.find((u) => u.service === 'web')!.url;

  beforeAll(async () => {
    proxy = await startDockerTcpProxy();
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    writeFileSync(join(project, 'site', 'about.html'), '<p>about</p>\n');
    const [web, api] = [await freePort(), await freePort()];
    Object.assign(env, { WEB_PORT: String(web), API_PORT: String(api) });
  });

  afterAll(async () => {
    await preevy('down', '--id', envId);
    await execFile('docker', ['volume', 'rm', '--force', `preevy-sync-${envId}`]);
    await proxy.close();
    await stopEmbeddedTunnelServer(home);
    rmSync(root, { recursive: true, force: true });
  });

  it('should sync the bind-mounted site into the sync volume and serve it', async () => {
    const res = await preevy('up', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as UpJson;
    expect(out.sync).toMatchObject({ paths: 1, sent: 2, unchanged: 0, deleted: 0 });
    expect((await get(webUrl(out))).body).toContain('hello from preevy');
    // The web container's /www comes from the sync volume, not from the project directory.
    const web = await execFile('docker', ['ps', '-q', '--filter', `label=dev.preevy.env-id=${envId}`, '--filter', 'label=com.docker.compose.service=web']);
    const mounts = await execFile('docker', ['inspect', '--format', '{{range .Mounts}}{{if eq .Destination "/www"}}{{.Source}}{{end}}{{end}}', web.stdout.trim()]);
    expect(mounts.stdout.trim()).toContain(`/volumes/preevy-sync-${envId}/`);
    expect(mounts.stdout).not.toContain(project);
  });

  it('should skip unchanged files and serve an edited file after up again', async () => {
    writeFileSync(join(project, 'site', 'index.html'), '<h1>edited on the remote host</h1>\n');
    const res = await preevy('up', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as UpJson;
    expect(out.sync).toMatchObject({ paths: 1, sent: 1, unchanged: 1, deleted: 0 });
    expect((await get(webUrl(out))).body).toContain('edited on the remote host');
  });

  it('should remove every labelled container, network and volume, the sync volume included, with down', async () => {
    expect(await labelled()).toContain(`preevy-sync-${envId}`);
    const res = await preevy('down', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await labelled()).toEqual([]);
  });
});
