import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentProgress, type DockerHost } from '@preevy/core';
import { createSshDriver, SSH_OPTIONS, type SshDockerConnection, type SshDriverOptions } from '@preevy/driver-vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { caught as rejectionOf } from '../support/preevy-error-of.js';
import { startSshHost, type SshTestHost } from '../support/ssh-host.js';

const PROXY = fileURLToPath(new URL('../support/stdio-proxy.mjs', import.meta.url));
const DEFAULTS = Object.fromEntries(SSH_OPTIONS.flatMap((d) => (d.default === undefined ? [] : [[d.name, d.default]]))) as SshDriverOptions;

const get = (port: number, path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString())).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });

// The ssh driver's transport against a real sshd and dockerd (test/infra/ssh-host.sh): the
// Docker socket forwarded over ssh2, host key pinning, the proxy command path.
describe('ssh driver transport (stand-in host)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'preevy-int-ssh-'));
  let host: SshTestHost;
  const driverFor = (options: Partial<SshDriverOptions> = {}) =>
    createSshDriver({ ...DEFAULTS, host: host.target, 'identity-file': host.identityFile, 'connect-timeout': 15, ...options }, { env: {} });
  const ensure = (options: Partial<SshDriverOptions> = {}, previous?: DockerHost) =>
    driverFor(options).ensureHost({ envId: 'int-ssh', profileId: 'p', labels: {}, progress: silentProgress, previous });

  beforeAll(async () => {
    host = await startSshHost(`preevy-int-ssh-${randomBytes(3).toString('hex')}`, dir);
  });
  afterAll(async () => {
    await host?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should pin the host key on first use and forward the Docker socket to 127.0.0.1 only', async () => {
    const record = await ensure();
    expect(record).toEqual({ driver: 'ssh', envId: 'int-ssh', state: { target: host.target, hostKey: await host.hostKey(), dockerSocket: '/var/run/docker.sock' } });
    await using conn = (await driverFor().connect(record)) as SshDockerConnection;
    expect(conn.seesLocalFiles).toBe(false);
    expect(conn.dockerHost).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const version = await execFile('docker', ['-H', conn.dockerHost, 'version', '--format', '{{.Server.Os}}']);
    expect(version.stdout.trim(), version.stderr).toBe('linux');
    // It is the stand-in's engine, not this machine's: its own container list is empty.
    expect((await execFile('docker', ['-H', conn.dockerHost, 'info', '--format', '{{.Name}}'])).stdout.trim()).not.toBe((await execFile('docker', ['info', '--format', '{{.Name}}'])).stdout.trim());
    // Nothing listens beyond loopback.
    const ss = await execFile('ss', ['-Hltn', `sport = :${conn.port}`]);
    expect(ss.stdout.trim().split('\n').map((l) => l.split(/\s+/)[3])).toEqual([`127.0.0.1:${conn.port}`]);
  });

  it('should carry many concurrent requests, each its own channel', async () => {
    const record = await ensure();
    await using conn = (await driverFor().connect(record)) as SshDockerConnection;
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => get(conn.port, i % 2 ? '/_ping' : '/version')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(100);
    expect(answers.filter((a) => a.body === 'OK')).toHaveLength(50);
  });

  it('should dial again when the SSH connection drops, holding the host to the same key', async () => {
    const record = await ensure();
    await using conn = (await driverFor().connect(record)) as SshDockerConnection;
    expect((await get(conn.port, '/_ping')).body).toBe('OK');
    // Ends the per-connection sshd process of tester (the listener stays).
    await host.exec(['pkill', '-f', 'sshd: tester']);
    await new Promise((r) => setTimeout(r, 500));
    expect((await get(conn.port, '/_ping')).body).toBe('OK');
  });

  it('should go through the proxy command when one is given, and record it', async () => {
    const log = join(dir, 'proxy.log');
    process.env.PROXY_LOG = log;
    try {
      const proxyCommand = `${process.execPath} ${PROXY} %h %p`;
      const record = await ensure({ 'proxy-command': proxyCommand });
      expect(record.state.proxyCommand).toBe(proxyCommand);
      // `down` or `urls` without the option still take the recorded route.
      await using conn = (await driverFor().connect(record)) as SshDockerConnection;
      expect((await get(conn.port, '/_ping')).body).toBe('OK');
      expect(readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[])).toEqual([
        ['127.0.0.1', String(host.port)],
        ['127.0.0.1', String(host.port)],
      ]);
    } finally {
      delete process.env.PROXY_LOG;
    }
  });

  it("should report a proxy command that fails with its stderr", async () => {
    const err = await rejectionOf(ensure({ 'proxy-command': `${process.execPath} ${PROXY} 127.0.0.1 1` }));
    expect(err).toMatchObject({ code: 'SSH_UNREACHABLE', kind: 'unavailable' });
    expect(err.message).toContain('stdio-proxy: connect ECONNREFUSED');
    expect(await rejectionOf(ensure({ 'proxy-command': 'no-such-program-here %h %p' }))).toMatchObject({ code: 'SSH_PROXY_COMMAND_FAILED' });
  });

  it('should refuse a key the host does not accept, and a socket that is not there', async () => {
    const other = join(dir, 'other-key');
    await execFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const refused = await rejectionOf(ensure({ 'identity-file': other }));
    expect(refused.code).toBe('SSH_AUTH_FAILED');
    expect(refused.message).toContain(other);
    const missing = await rejectionOf(ensure({ 'docker-socket': '/run/nothing.sock' }));
    expect(missing.code).toBe('SSH_DOCKER_UNREACHABLE');
    expect(missing.message).toContain('no socket at /run/nothing.sock');
  });

  it('should refuse a host whose key changed, before logging in, until the new key is pinned', async () => {
    const record = await ensure();
    await host.replaceHostKeys();
    const fresh = await host.hostKey();
    expect(fresh).not.toBe(record.state.hostKey);
    const logins = async () => ((await execFile('docker', ['logs', host.container])).stderr.match(/Accepted publickey for tester/g) ?? []).length;
    const before = await logins();
    expect(before, "sshd logs logins to stderr").toBeGreaterThan(0);
    const viaConnect = await rejectionOf(driverFor().connect(record));
    expect(viaConnect).toMatchObject({ code: 'SSH_HOST_KEY_CHANGED', kind: 'conflict' });
    expect(viaConnect.suggestions.join('\n')).toContain(`--ssh-host-key '${fresh}'`);
    expect(await rejectionOf(ensure({}, record))).toMatchObject({ code: 'SSH_HOST_KEY_CHANGED' });
    // Refused inside the handshake: no key was offered to the impostor, so sshd logged no login.
    expect(await logins()).toBe(before);
    // Re-pinning with the option is accepted and recorded.
    const repinned = await ensure({ 'host-key': fresh }, record);
    expect(repinned.state.hostKey).toBe(fresh);
    await using conn = (await driverFor().connect(repinned)) as SshDockerConnection;
    expect((await get(conn.port, '/_ping')).body).toBe('OK');
  });

  it('should refuse to connect without a pin when there is no record to take it from', async () => {
    expect(await rejectionOf(driverFor().connect({ driver: 'ssh', envId: 'x', state: {} }))).toMatchObject({ code: 'SSH_HOST_KEY_NOT_PINNED' });
    // A fingerprint given up front is enough (as `ssh-keygen -lf` prints it on the host).
    const printed = await host.exec(['ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub']);
    const fingerprint = printed.stdout.split(' ')[1]!;
    expect(fingerprint).toMatch(/^SHA256:/);
    await using conn = (await driverFor({ 'host-key': fingerprint }).connect({ driver: 'ssh', envId: 'x', state: {} })) as SshDockerConnection;
    expect((await get(conn.port, '/_ping')).body).toBe('OK');
  });
});
