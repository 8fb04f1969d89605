import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { labelledResources, offlineEnv } from '../support/preevy-e2e.js';

// Credential forwarding on the docker driver, with the built binary: the laptop's own `git
// credential fill` (a fake helper in a throwaway HOME) and docker login state answer helpers
// run inside the workspace during `preevy workspace ssh`; a CI token answers with no session.
// The fixture's image has no git (and nothing is installed from the network here), so the
// container side runs the helper git would run, `git-credential-preevy get`, with git's stdin.
describe('preevy workspace credentials on the docker driver (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-wscred-'));
  const name = `wc${randomBytes(3).toString('hex')}`;
  const folder = join(root, name);
  const home = join(root, 'preevy-home');
  const laptop = join(root, 'laptop');
  const dockerConfig = join(root, 'docker-config');
  // Unique per run, so a match can only come from this run.
  const laptopPassword = `laptop-pw-${randomBytes(8).toString('hex')}`;
  const registrySecret = `registry-pw-${randomBytes(8).toString('hex')}`;
  const ciToken = `ci-token-${randomBytes(8).toString('hex')}`;
  const secrets = [laptopPassword, registrySecret, ciToken];

  mkdirSync(laptop, { recursive: true });
  mkdirSync(dockerConfig, { recursive: true });
  // The laptop's git helper: answers for example.test, and records what git approves or rejects.
  const helper = join(laptop, 'git-helper.sh');
  writeFileSync(helper, `#!/bin/sh\nif [ "$1" = get ]; then echo username=alice; echo password=${laptopPassword}; else { echo "op=$1"; cat; } >> "${join(laptop, 'calls')}"; fi\n`, { mode: 0o755 });
  writeFileSync(join(laptop, '.gitconfig'), `[credential "https://example.test"]\n\thelper = ${helper}\n`);
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { 'registry.example.test': { auth: Buffer.from(`bob:${registrySecret}`).toString('base64') } } }));
  // The docker CLI finds its compose/buildx plugins there.
  symlinkSync(join(homedir(), '.docker', 'cli-plugins'), join(dockerConfig, 'cli-plugins'));
  const env = { ...offlineEnv(home), HOME: laptop, GIT_CONFIG_NOSYSTEM: '1', DOCKER_CONFIG: dockerConfig, PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest', GITHUB_TOKEN: '' };
  const preevy = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: root, env: { ...env, ...extraEnv }, timeoutMs: 300_000 });
  const outputs: string[] = [];
  let containerId = '';

  const gitGet = (host: string) => `printf 'protocol=https\\nhost=${host}\\n\\n' | git-credential-preevy get`;
  const inContainer = (script: string) => execFile('docker', ['exec', '-u', 'dev', containerId, 'sh', '-c', script]);

  cpSync(join(REPO_ROOT, 'test/fixtures/workspace-credentials'), folder, { recursive: true });

  afterAll(async () => {
    await preevy(['workspace', 'down', name, '--yes']);
    rmSync(root, { recursive: true, force: true });
  });

  it('should set up the helpers and place the CI token from GITHUB_TOKEN, 0600 and the remote user\'s', async () => {
    const res = await preevy(['workspace', 'up', folder, '--git-token-host', 'ci.example.test', '--json', '--debug'], { GITHUB_TOKEN: ciToken });
    outputs.push(res.stdout, res.stderr);
    expect(res.exitCode, res.stderr).toBe(0);
    containerId = (JSON.parse(res.stdout) as { containerId: string }).containerId;
    const seen = await inContainer('stat -c "%a %U" /var/lib/preevy-workspace/git-token ~/.docker/config.json; cat ~/.docker/config.json; grep preevy /etc/gitconfig');
    expect(seen.stdout.split('\n').slice(0, 2)).toEqual(['600 dev', '600 dev']);
    expect(JSON.parse(seen.stdout.slice(seen.stdout.indexOf('{'), seen.stdout.lastIndexOf('}') + 1))).toEqual({ credHelpers: { 'registry.example.test': 'preevy' } });
    expect(seen.stdout).toContain('[credential] helper = preevy\n');
  });

  it('should answer git in the container from the laptop\'s helper during workspace ssh, and from the token with no session', async () => {
    const res = await preevy(['workspace', 'ssh', name, '--debug', '--', `${gitGet('example.test')}; echo ---; ${gitGet('ci.example.test')}; echo ---; ${gitGet('unknown.test')}`]);
    outputs.push(res.stderr);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe(`username=alice\npassword=${laptopPassword}\n---\nusername=x-access-token\npassword=${ciToken}\n---\n`);
    // Outside a session (a plain docker exec): no laptop to ask; the token still answers for its host.
    expect((await inContainer(gitGet('example.test'))).stdout).toBe('');
    expect((await inContainer(gitGet('ci.example.test'))).stdout).toBe(`username=x-access-token\npassword=${ciToken}\n`);
  });

  it('should pass approve/reject back to the laptop only for the credential it gave out', async () => {
    const store = (password: string) => `printf 'protocol=https\\nhost=example.test\\nusername=alice\\npassword=${password}\\n\\n' | git-credential-preevy store`;
    const res = await preevy(['workspace', 'ssh', name, '--', `${store('planted')}; ${gitGet('example.test')} > /dev/null; ${store(laptopPassword)}`]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(readFileSync(join(laptop, 'calls'), 'utf8')).toBe(`op=store\nprotocol=https\nhost=example.test\nusername=alice\npassword=${laptopPassword}\n`);
  });

  it('should answer docker in the container from the laptop\'s docker login state during workspace ssh only', async () => {
    const get = 'echo registry.example.test | docker-credential-preevy get';
    const res = await preevy(['workspace', 'ssh', name, '--', get]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ ServerURL: 'registry.example.test', Username: 'bob', Secret: registrySecret });
    expect(await inContainer(get)).toMatchObject({ exitCode: 1, stdout: 'credentials not found in native keychain\n' });
  });

  it('should listen for a session on the container\'s loopback only, out of other containers\' reach', async () => {
    // A session held open; it prints the port half of its endpoint (not the secret).
    const session = spawn(process.execPath, [CLI_BIN, 'workspace', 'ssh', name, '--', 'echo "${PREEVY_WORKSPACE_CREDENTIALS%%:*}"; sleep 30'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        session.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        session.once('exit', (code) => reject(new Error(`workspace ssh exited ${code}`)));
      });
      expect(port).toBeGreaterThan(0);
      const hex = port.toString(16).toUpperCase().padStart(4, '0');
      const tcp = await inContainer('cat /proc/net/tcp /proc/net/tcp6 2>/dev/null');
      // Columns: sl, local_address, rem_address, st (0A = LISTEN).
      const listeners = tcp.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((c) => c[1]?.endsWith(`:${hex}`) && c[3] === '0A').map((c) => c[1]);
      expect(listeners).toEqual([`0100007F:${hex}`]);
      const ip = (await execFile('docker', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', containerId])).stdout.trim().split(' ')[0]!;
      expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const probe = (address: string, p: number) => execFile('docker', ['run', '--rm', '--label', 'dev.preevy.test=wscred', 'preevy-test/busybox:latest', 'sh', '-c', `echo hi | nc -w 3 ${address} ${p}`]);
      expect((await probe(ip, port)).exitCode).not.toBe(0);
      // The control: the same probe reaches a container that listens on all its addresses.
      const listener = (await execFile('docker', ['run', '-d', '--rm', '--label', 'dev.preevy.test=wscred', 'preevy-test/busybox:latest', 'sh', '-c', 'nc -l -p 4000 > /dev/null'])).stdout.trim();
      try {
        const listenerIp = (await execFile('docker', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', listener])).stdout.trim().split(' ')[0]!;
        await new Promise((r) => setTimeout(r, 500));
        expect((await probe(listenerIp, 4000)).exitCode).toBe(0);
      } finally {
        await execFile('docker', ['rm', '--force', listener]);
      }
    } finally {
      session.kill();
    }
  });

  it('should ask the laptop for nothing with --no-inject-git-credentials and --no-inject-docker-credentials', async () => {
    const res = await preevy(['workspace', 'ssh', name, '--no-inject-git-credentials', '--no-inject-docker-credentials', '--', `${gitGet('example.test')}; echo "[$PREEVY_WORKSPACE_CREDENTIALS]"`]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe('[]\n');
  });

  it('should never put a secret in docker inspect, the container logs, the env record or the CLI output (--debug)', async () => {
    const inspect = await execFile('docker', ['inspect', containerId]);
    const logs = await execFile('docker', ['logs', containerId]);
    const envsDir = join(home, 'profiles', 'default', 'envs');
    const records = readdirSync(envsDir).map((f) => readFileSync(join(envsDir, f), 'utf8'));
    expect(records.length).toBeGreaterThan(0);
    for (const [where, text] of [['inspect', inspect.stdout], ['logs', logs.stdout + logs.stderr], ['env record', records.join('\n')], ['CLI output', outputs.join('\n')]] as const) {
      for (const secret of secrets) expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
    }
  });

  it('should leave the helpers and token untouched on an unchanged up, and apply a changed token', async () => {
    const stamp = 'stat -c %y /var/lib/preevy-workspace/git-token /usr/local/bin/git-credential-preevy ~/.docker/config.json';
    const before = (await inContainer(stamp)).stdout;
    expect(before.split('\n').filter(Boolean)).toHaveLength(3);
    const same = await preevy(['workspace', 'up', folder, '--git-token-host', 'ci.example.test'], { GITHUB_TOKEN: ciToken });
    expect(same.exitCode, same.stderr).toBe(0);
    // The record says this container was set up so: not even an exec to check.
    expect(same.stderr).not.toContain('Setting up credential helpers');
    expect((await inContainer(stamp)).stdout).toBe(before);
    const changed = `ci-token-${randomBytes(8).toString('hex')}`;
    secrets.push(changed);
    const res = await preevy(['workspace', 'up', folder, '--git-token-host', 'ci.example.test'], { GITHUB_TOKEN: changed });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toContain('Setting up credential helpers');
    expect((await inContainer(gitGet('ci.example.test'))).stdout).toBe(`username=x-access-token\npassword=${changed}\n`);
  });

  it('should remove the token on an up without one, and place a new one on the next', async () => {
    const without = await preevy(['workspace', 'up', folder]);
    expect(without.exitCode, without.stderr).toBe(0);
    expect((await inContainer('ls /var/lib/preevy-workspace/')).stdout).toBe('');
    const fresh = `ci-token-${randomBytes(8).toString('hex')}`;
    const again = await preevy(['workspace', 'up', folder, '--git-token-host', 'ci.example.test'], { GITHUB_TOKEN: fresh });
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await inContainer(gitGet('ci.example.test'))).stdout).toBe(`username=x-access-token\npassword=${fresh}\n`);
  });

  it('should take the token away with the workspace on down', async () => {
    const res = await preevy(['workspace', 'down', name, '--yes']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await labelledResources(`ws-${name}`)).toEqual([]);
    expect((await execFile('docker', ['inspect', containerId])).exitCode).not.toBe(0);
  });
});
