import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/paths.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const HOST_KEY_FINGERPRINT = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

interface ProfileJson {
  name: string;
  driver: string;
  driverOptions: Record<string, unknown>;
  tunnelUrl?: string;
  tunnelHostKey?: string;
  publicKey: string;
  clientId: string;
  current: boolean;
}

/** Every file and directory under `dir` with mode and content: equal snapshots mean nothing changed. */
const snapshot = async (dir: string): Promise<Record<string, string>> => {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const path = join(d, entry.name);
      const mode = ((await stat(path)).mode & 0o777).toString(8);
      if (entry.isDirectory()) {
        out[`${path}/`] = mode;
        await walk(path);
      } else out[path] = `${mode} ${await readFile(path, 'utf8')}`;
    }
  };
  await walk(dir);
  return out;
};

// The caller's own profile selection must not leak into the commands under test.
const { PREEVY_PROFILE: _profile, PREEVY_PROFILE_FILE: _profileFile, ...outerEnv } = process.env;

// The profile commands as a user (or CI) runs them: the built binary, a PREEVY_HOME of its own.
describe('preevy profile (built binary)', () => {
  let home: string;
  let work: string;

  const preevy = (args: string[], stdin?: string): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...outerEnv, PREEVY_HOME: home, NO_COLOR: '1' }, cwd: work });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin ?? '');
    });
  const json = async <T>(args: string[], stdin?: string): Promise<T> => {
    const res = await preevy([...args, '--json'], stdin);
    expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    return JSON.parse(res.stdout) as T;
  };

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'preevy-e2e-home-'));
    work = await mkdtemp(join(tmpdir(), 'preevy-e2e-work-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('should create, list, switch, update, export, import and remove profiles', async () => {
    const def = await json<ProfileJson>(['init']);
    expect(def).toMatchObject({ name: 'default', driver: 'docker', current: true });

    const ci = await json<ProfileJson>(['profile', 'create', 'ci', '--driver', 'kube-pod', '--driver-option', 'namespace=previews', '--driver-option', 'ready-timeout=120', '--tunnel-url', 'ssh://127.0.0.1:2222']);
    expect(ci).toMatchObject({ name: 'ci', driver: 'kube-pod', driverOptions: { namespace: 'previews', 'ready-timeout': 120 }, tunnelUrl: 'ssh://127.0.0.1:2222', current: false });
    expect(ci.clientId).not.toBe(def.clientId);

    // A host key pinned up front, as CI does; stored canonical, unset and set again.
    const pinned = await json<ProfileJson>(['profile', 'create', 'pinned', '--tunnel-url', 'ssh://127.0.0.1:2222', '--tunnel-host-key', `${HOST_KEY_FINGERPRINT}=`]);
    expect(pinned.tunnelHostKey).toBe(HOST_KEY_FINGERPRINT);
    expect((await preevy(['profile', 'config', 'view', '--profile', 'pinned'])).stdout).toContain(`host key:   ${HOST_KEY_FINGERPRINT}`);
    expect(await json<ProfileJson>(['profile', 'config', 'update', '--profile', 'pinned', '--unset-tunnel-host-key'])).not.toHaveProperty('tunnelHostKey');
    expect((await json<ProfileJson>(['profile', 'config', 'update', '--profile', 'pinned', '--tunnel-host-key', HOST_KEY_FINGERPRINT])).tunnelHostKey).toBe(HOST_KEY_FINGERPRINT);
    const orphan = await preevy(['profile', 'create', 'orphan', '--tunnel-host-key', HOST_KEY_FINGERPRINT]);
    expect(orphan.code).toBe(2);
    expect(orphan.stderr).toContain('--tunnel-url');
    expect(await json<unknown>(['profile', 'rm', 'pinned'])).toMatchObject({ name: 'pinned' });

    const listed = await json<{ profiles: unknown[] }>(['profile', 'ls']);
    expect(listed.profiles).toEqual([
      { name: 'ci', current: false, driver: 'kube-pod', tunnelUrl: 'ssh://127.0.0.1:2222' },
      { name: 'default', current: true, driver: 'docker' },
    ]);
    const table = await preevy(['profile', 'ls']);
    expect(table.stdout).toMatch(/^NAME\s+CURRENT\s+DRIVER\s+TUNNEL\n/);
    expect(table.stdout).toMatch(/^default\s+\*\s+docker\s+\(embedded local server\)$/m);

    expect(await json<ProfileJson>(['profile', 'use', 'ci'])).toMatchObject({ name: 'ci', current: true });
    const updated = await json<ProfileJson>(['profile', 'config', 'update', '--kube-pod-ready-timeout', '90', '--unset-driver-option', 'namespace', '--unset-tunnel-url']);
    expect(updated).toMatchObject({ name: 'ci', driverOptions: { 'ready-timeout': 90 } });
    expect(updated).not.toHaveProperty('tunnelUrl');
    expect(await json<ProfileJson>(['profile', 'config', 'view', '--profile', 'default'])).toMatchObject({ name: 'default', current: false });

    // Export to a 0600 file, import it under another name: the same key, so the same client id.
    const file = join(work, 'ci-profile.json');
    expect((await preevy(['profile', 'export', '--output', file])).code).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const copy = await json<ProfileJson>(['profile', 'import', file, '--name', 'copy', '--use']);
    expect(copy).toMatchObject({ name: 'copy', clientId: ci.clientId, driver: 'kube-pod', driverOptions: { 'ready-timeout': 90 }, current: true });
    const keyFile = join(home, 'profiles', 'copy', 'tunnel_ed25519');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const parsed = ssh2.utils.parseKey(await readFile(keyFile));
    expect(parsed instanceof Error ? parsed.message : parsed.type).toBe('ssh-ed25519');

    // From stdin, as CI does with a secret.
    const exported = await preevy(['profile', 'export', '--profile', 'default']);
    expect(await json<ProfileJson>(['profile', 'import', '-', '--name', 'from-stdin'], exported.stdout)).toMatchObject({ name: 'from-stdin', clientId: def.clientId });

    const refused = await preevy(['profile', 'rm', 'copy']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('PROFILE_IS_CURRENT');
    expect(await json<unknown>(['profile', 'rm', 'ci'])).toEqual({ name: 'ci', wasCurrent: false, envIds: [] });
    expect(await json<unknown>(['profile', 'rm', 'copy', '--force'])).toMatchObject({ name: 'copy', wasCurrent: true });
    expect((await json<{ profiles: Array<{ name: string }> }>(['profile', 'ls'])).profiles.map((p) => p.name)).toEqual(['default', 'from-stdin']);
  });

  it('should reject bad input with a clear message and a non-zero exit, changing nothing', async () => {
    await json(['profile', 'create', 'ci', '--use']);
    const corrupted = join(work, 'corrupted.json');
    const exported = await preevy(['profile', 'export']);
    await writeFile(corrupted, exported.stdout.replace(/"publicKey": "ssh-ed25519 [^"]+"/, '"publicKey": "ssh-ed25519 AAAA"'));
    await writeFile(join(work, 'not-json.json'), 'hello');
    const before = await snapshot(home);

    const cases: Array<[string[], number, RegExp]> = [
      [['profile', 'create', 'Bad_Name'], 3, /Invalid profile name "Bad_Name"/],
      [['init', 'x', '--tunnel-url', 'http://example.com'], 3, /tunnelUrl: must be ssh:\/\/HOST/],
      [['profile', 'create', 'x', '--driver-option', 'novalue'], 2, /"novalue" has no "=VALUE"/],
      [['profile', 'create', 'ci'], 5, /Profile "ci" already exists/],
      [['profile', 'import', corrupted, '--name', 'other'], 3, /The public key in .*corrupted\.json is not a usable tunnel key/],
      [['profile', 'import', join(work, 'not-json.json')], 3, /not-json\.json is not a valid preevy profile file: it is not JSON/],
      [['profile', 'import', join(work, 'missing.json')], 4, /Cannot read .*missing\.json/],
      [['profile', 'import', '-', '--name', 'other'], 3, /stdin is not a valid preevy profile file/],
      [['profile', 'use', 'nope'], 4, /Profile "nope" does not exist/],
      [['profile', 'rm', 'nope'], 4, /Profile "nope" does not exist/],
      [['profile', 'config', 'update', '--tunnel-url', 'ssh://user@host'], 3, /Invalid profile settings/],
      [['profile', 'create', 'x', '--tunnel-url', 'ssh://127.0.0.1:2222', '--tunnel-host-key', 'SHA256:short'], 3, /Invalid tunnel server host key: a SHA256 fingerprint has 43/],
      [['profile', 'config', 'update', '--tunnel-host-key', 'ssh-ed25519 AAAA'], 3, /Invalid tunnel server host key: the key data does not match its type/],
      [['profile', 'config', 'update', '--tunnel-host-key', HOST_KEY_FINGERPRINT], 3, /tunnelHostKey: needs a tunnel URL/],
      [['profile', 'config', 'view', '--profile', 'nope'], 4, /Profile "nope" does not exist/],
    ];
    for (const [args, code, message] of cases) {
      const res = await preevy(args);
      expect(res.code, args.join(' ')).toBe(code);
      expect(res.stderr, args.join(' ')).toMatch(message);
      expect(res.stderr).toContain('Try this:');
    }
    // The corrupted file must not be imported, and an existing profile not replaced without --force.
    const overwrite = await preevy(['profile', 'import', join(work, 'not-json.json'), '--name', 'ci', '--force']);
    expect(overwrite.code).toBe(3);
    expect(await snapshot(home)).toEqual(before);

    const jsonError = await preevy(['profile', 'create', 'Bad', '--json']);
    expect(jsonError.code).toBe(3);
    expect(JSON.parse(jsonError.stdout)).toMatchObject({ status: 'error', error: { code: 'PROFILE_NAME_INVALID', exitCode: 3 } });
  });

  it('should never print the private key except as the export itself', async () => {
    await json(['profile', 'create', 'ci']);
    const key = await readFile(join(home, 'profiles', 'ci', 'tunnel_ed25519'), 'utf8');
    const secretLine = key.split('\n')[2]!;
    for (const args of [['profile', 'ls'], ['profile', 'config', 'view'], ['profile', 'config', 'view', '--json'], ['profile', 'use', 'ci', '--debug']]) {
      const res = await preevy(args);
      expect(res.stdout + res.stderr, args.join(' ')).not.toContain(secretLine);
    }
    const exported = await preevy(['profile', 'export', '--output', join(work, 'f.json'), '--debug']);
    expect(exported.stdout + exported.stderr).not.toContain(secretLine);
  });
});
