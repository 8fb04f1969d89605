import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, type ExecResult } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, offlineEnv } from '../support/preevy-e2e.js';
import { bridgeGatewayAddress, startSshHost, type SshTestHost } from '../support/ssh-host.js';
import { startTestTunnelServer, type TestTunnelServer } from '../support/test-tunnel-server.js';

interface UpJson {
  envId: string;
  urls: Array<{ service: string; port: number; url: string; httpStatus: number }>;
}

const ENV_LABEL = 'dev.preevy.env-id';

// `preevy up --driver ssh` against the stand-in host (a container with a real sshd and dockerd,
// test/infra/ssh-host.sh): its Docker socket forwarded over SSH, its agent publishing through a
// tunnel server on this machine's docker0 address (which the stand-in reaches), visitors through a
// loopback proxy in front of that server.
describe('preevy up --driver ssh (built binary, stand-in SSH host)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-ssh-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const envId = `ssh-${randomBytes(3).toString('hex')}`;
  const env: NodeJS.ProcessEnv = { ...offlineEnv(home), PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest' };
  let host: SshTestHost;
  let tunnel: TestTunnelServer | undefined;
  let tunnelUrl = '';
  const preevy = (...args: string[]): Promise<ExecResult> => execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env, timeoutMs: 300_000 });
  const urlOf = (out: UpJson, service: string): string => out.urls.find((u) => u.service === service)!.url;
  /** The environment's containers, networks and volumes on the stand-in's own engine. */
  const onHost = async (): Promise<string[]> => {
    const ids: string[] = [];
    for (const kind of ['container', 'network', 'volume'] as const) {
      const res = await host.exec(['docker', kind, 'ls', ...(kind === 'container' ? ['-a'] : []), '-q', '--filter', `label=${ENV_LABEL}=${envId}`]);
      expect(res.exitCode, res.stderr).toBe(0);
      ids.push(...res.stdout.split('\n').filter(Boolean).map((id) => `${kind}/${id}`));
    }
    return ids;
  };
  const expectRefused = async (res: ExecResult, code: string): Promise<void> => {
    expect(res.exitCode, res.stdout).not.toBe(0);
    expect(res.stderr).toContain(`Code: ${code}`);
    expect(res.stderr).toMatch(/Try this:\n {4}- \S/);
  };

  beforeAll(async () => {
    // Checked to be this machine's docker0 address before anything dials it.
    const gateway = await bridgeGatewayAddress();
    host = await startSshHost(`preevy-e2e-ssh-${randomBytes(3).toString('hex')}`, root);
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    tunnel = await startTestTunnelServer({ listenHost: gateway, home, dir: root, name: 'ssh' });
    const created = await preevy('profile', 'create', 'ssh', '--driver', 'ssh', '--ssh-host', host.target, '--ssh-identity-file', host.identityFile,
      '--tunnel-url', (tunnelUrl = tunnel.tunnelUrl), '--use');
    expect(created.exitCode, created.stderr).toBe(0);
    const [web, api] = [await freePort(), await freePort()];
    Object.assign(env, { WEB_PORT: String(web), API_PORT: String(api) });
  }, 180_000);

  afterAll(async () => {
    if (host) await preevy('down', '--id', envId, '--force');
    await tunnel?.stop();
    await host?.remove();
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('should refuse a host key other than the one pinned up front, deploying nothing', async () => {
    const impostor = (await execFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, 'not-the-host')])).exitCode === 0 ? (await execFile('cat', [join(root, 'not-the-host.pub')])).stdout.trim() : '';
    expect(impostor).toMatch(/^ssh-ed25519 /);
    const res = await preevy('up', '--id', envId, '--build-local', '--ssh-host-key', impostor);
    await expectRefused(res, 'SSH_HOST_KEY_CHANGED');
    expect(res.exitCode).toBe(5);
    expect(await onHost()).toEqual([]);
    expect((await preevy('ls', '--json')).stdout).not.toContain(envId);
  });

  it("should refuse the local (loopback) tunnel server, which the SSH host cannot reach, before connecting", async () => {
    const created = await preevy('profile', 'create', 'ssh-local', '--driver', 'ssh', '--ssh-host', host.target, '--ssh-identity-file', host.identityFile);
    expect(created.exitCode, created.stderr).toBe(0);
    const res = await preevy('up', '--id', envId, '--profile', 'ssh-local');
    await expectRefused(res, 'TUNNEL_UNREACHABLE_FROM_HOST');
    expect(res.stderr).not.toContain('over SSH');
    expect(await onHost()).toEqual([]);
  });

  it("should run the project on the host's engine, pin its key on first use, and publish every service", async () => {
    const res = await preevy('up', '--id', envId, '--build-local', '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as UpJson;
    expect(out.urls.map((u) => [u.service, u.httpStatus])).toEqual([['api', 200], ['web', 200]]);
    expect((await get(urlOf(out, 'web'))).body).toContain('hello from preevy');
    // The fingerprint shown is the host's own, as `ssh-keygen -lf` prints it there.
    const fingerprint = (await host.exec(['ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.split(' ')[1]!;
    expect(res.stderr).toContain(`Trusting the host key of ${host.target} on first use: ${fingerprint}`);
    const ps = await host.exec(['docker', 'ps', '--filter', `label=${ENV_LABEL}=${envId}`, '--format', '{{.Label "com.docker.compose.service"}}']);
    expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual(['api', 'preevy_agent', 'web']);
    // Not on this machine's engine.
    expect((await execFile('docker', ['ps', '-q', '--filter', `label=${ENV_LABEL}=${envId}`])).stdout).toBe('');
  });

  it('should reuse the host and its containers on the next up, without trusting anew', async () => {
    const containers = async () => (await host.exec(['docker', 'ps', '-q', '--no-trunc', '--filter', `label=${ENV_LABEL}=${envId}`])).stdout.split('\n').filter(Boolean).sort();
    const before = await containers();
    const res = await preevy('up', '--id', envId, '--build-local', '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('on first use');
    expect((await get(urlOf(JSON.parse(res.stdout) as UpJson, 'web'))).body).toContain('hello from preevy');
    expect(await containers()).toEqual(before);
  });

  it('should refuse the host once its key changed, for up and down alike, until the new key is pinned', async () => {
    await host.replaceHostKeys();
    const fresh = await host.hostKey();
    const before = await onHost();
    const up = await preevy('up', '--id', envId, '--build-local');
    await expectRefused(up, 'SSH_HOST_KEY_CHANGED');
    expect(up.stderr).toContain(`--ssh-host-key '${fresh}'`);
    await expectRefused(await preevy('down', '--id', envId), 'SSH_HOST_KEY_CHANGED');
    expect(await onHost()).toEqual(before);
    // With the new key pinned by hand, down goes through and removes every resource of the environment.
    const down = await preevy('down', '--id', envId, '--ssh-host-key', fresh, '--json');
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await onHost()).toEqual([]);
    expect((await preevy('ls', '--json')).stdout).not.toContain(envId);
  });

  // The old gap: the docker driver's `--docker-host ssh://` goes through the docker CLI's own ssh
  // helper (the OpenSSH client, `docker system dial-stdio` on the host). Same stand-in host.
  it('should also deploy with the docker driver through --docker-host ssh:// (the docker CLI and OpenSSH)', async () => {
    const other = `${envId}-cli`;
    // The docker CLI runs `ssh`: a wrapper first on PATH gives it a config with the test key and
    // the host's key pinned (strict checking), leaving this machine's ~/.ssh alone.
    const bin = join(root, 'ssh-bin');
    mkdirSync(bin, { recursive: true });
    const config = join(root, 'ssh_config');
    writeFileSync(join(root, 'known_hosts'), `[127.0.0.1]:${host.port} ${await host.hostKey()}\n`);
    writeFileSync(config, [`Host *`, `  IdentityFile ${host.identityFile}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${join(root, 'known_hosts')}`, '  StrictHostKeyChecking yes', '  BatchMode yes', ''].join('\n'));
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${config}' "$@"\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    const created = await preevy('profile', 'create', 'docker-ssh', '--driver', 'docker', '--tunnel-url', tunnelUrl);
    expect(created.exitCode, created.stderr).toBe(0);
    const dockerHost = `ssh://tester@127.0.0.1:${host.port}`;
    const cli = (...args: string[]) =>
      execFile(process.execPath, [CLI_BIN, ...args, '--profile', 'docker-ssh', '--docker-host', dockerHost], { cwd: project, env: { ...env, PATH: `${bin}:${env.PATH ?? ''}` }, timeoutMs: 300_000 });
    const up = await cli('up', '--id', other, '--build-local', '--json');
    expect(up.exitCode, up.stderr).toBe(0);
    expect((await get(urlOf(JSON.parse(up.stdout) as UpJson, 'web'))).body).toContain('hello from preevy');
    const ps = await host.exec(['docker', 'ps', '--filter', `label=${ENV_LABEL}=${other}`, '--format', '{{.Label "com.docker.compose.service"}}']);
    expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual(['api', 'preevy_agent', 'web']);
    const down = await cli('down', '--id', other);
    expect(down.exitCode, down.stderr).toBe(0);
    expect((await host.exec(['docker', 'ps', '-aq', '--filter', `label=${ENV_LABEL}=${other}`])).stdout).toBe('');
  });
});
