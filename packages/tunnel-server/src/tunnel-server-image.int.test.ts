import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../../../test/support/exec-file.js';

const PKG = fileURLToPath(new URL('../', import.meta.url));
const DOCKERFILE = fileURLToPath(new URL('../../../templates/tunnel-server/Dockerfile', import.meta.url));

// The self-hosting path: the bundled server in its image, on a locally built Node base.
describe('tunnel server image', () => {
  const tag = `preevy-test/tunnel-server:${randomBytes(4).toString('hex')}`;
  const name = `preevy-ts-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const bundle = await execFile('npm', ['run', '-s', 'bundle'], { cwd: PKG });
    expect(bundle.exitCode, bundle.stderr).toBe(0);
    const build = await execFile('docker', ['build', '-q', '-f', DOCKERFILE, '--build-arg', 'BASE_IMAGE=preevy-test/node:20', '-t', tag, `${PKG}dist`], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
    expect(build.exitCode, build.stderr).toBe(0);
  });

  afterAll(async () => {
    await execFile('docker', ['rm', '-f', '-v', name]);
    await execFile('docker', ['rmi', '-f', tag]);
  });

  it('should start, answer its health check and keep its host key in the data volume', async () => {
    const run = await execFile('docker', ['run', '-d', '--name', name, '-p', '127.0.0.1::9090', '-p', '127.0.0.1::8030', tag]);
    expect(run.exitCode, run.stderr).toBe(0);
    const port = (await execFile('docker', ['port', name, '9090'])).stdout.trim().split(':').pop();
    await expect
      .poll(async () => fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.json(), () => undefined), { timeout: 20_000, interval: 250 })
      .toEqual({ status: 'ok', hostKey: expect.stringMatching(/^SHA256:/) as unknown, sshClients: 0, tunnels: 0 });
    const key = await execFile('docker', ['exec', name, 'stat', '-c', '%a', '/data/ssh_host_ed25519_key']);
    expect(key.stdout.trim()).toBe('600');
    const stop = await execFile('docker', ['stop', '-t', '10', name]);
    expect(stop.exitCode).toBe(0);
    const exit = await execFile('docker', ['inspect', '-f', '{{.State.ExitCode}}', name]);
    expect(exit.stdout.trim()).toBe('0'); // SIGTERM drains and exits cleanly
  });

  it('should exit with a clear message on a bad setting', async () => {
    const res = await execFile('docker', ['run', '--rm', '-e', 'PREEVY_TUNNEL_BASE_URL=not a url', tag]);
    expect(res.exitCode).toBe(2);
    expect(res.stdout + res.stderr).toContain('PREEVY_TUNNEL_BASE_URL=not a url is not a URL');
  });
});
