import { execFile as execFileCb } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { authorizedKeyLine, keyFingerprint, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnvRecordInput } from './env-record-store.js';
import { LocalProfileStore } from './local-profile-store.js';
import { serializeProfileExport } from './profile-export.js';
import { importProfileFromEnv } from './profile-from-env.js';
import { caught } from '../../../../test/support/preevy-error-of.js';

const execFile = promisify(execFileCb);

/** A fresh server host key: its key line (as a server presents it) and its fingerprint. */
const serverKey = () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  return { line: authorizedKeyLine(publicKey), fingerprint: keyFingerprint(sshBlobFromEd25519Key(publicKey)) };
};

/** Every file and directory under `dir` with its mode and content: equal snapshots mean nothing changed. */
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

describe('LocalProfileStore (real file system)', () => {
  let home: string;
  let root: string;
  let clock: number;
  let store: LocalProfileStore;
  const T0 = Date.parse('2026-03-01T10:00:00.000Z');
  const iso = (ms: number): string => new Date(ms).toISOString();

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'preevy-profiles-'));
    root = join(home, 'profiles');
    clock = T0;
    store = new LocalProfileStore({ env: { PREEVY_HOME: home }, now: () => new Date(clock) });
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });
  const writeEnv = (profile: string, input: EnvRecordInput) => store.envs(profile).update(input.envId, () => input);

  it('should keep profiles under PREEVY_HOME/profiles', () => {
    expect(store.root).toBe(root);
  });

  it('should create "default" on first use (docker driver, embedded tunnel server) and make it current, once', async () => {
    expect(await store.currentName()).toBeUndefined();
    const first = await store.resolve();
    expect(first).toMatchObject({ name: 'default', driver: 'docker', driverOptions: {}, createdAt: iso(T0) });
    expect(first.tunnelUrl).toBeUndefined();
    expect(await store.currentName()).toBe('default');
    clock += 1000;
    expect(await store.ensureDefaultProfile()).toEqual(first);
  });

  it('should create the files with a 0600 private key that stock OpenSSH reads back to the stored public key', async () => {
    const profile = await store.create({ name: 'ci', driver: 'kube-pod', driverOptions: { namespace: 'previews', replicas: 2 }, tunnelUrl: 'ssh+tls://tunnel.example.com:443' });
    const dir = join(root, 'ci');
    expect((await readdir(dir)).sort()).toEqual(['envs', 'profile.json', 'tunnel_ed25519', 'tunnel_ed25519.pub']);
    expect((await stat(join(dir, 'tunnel_ed25519'))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(join(dir, 'profile.json'), 'utf8'))).toEqual({
      version: 1,
      driver: 'kube-pod',
      driverOptions: { namespace: 'previews', replicas: 2 },
      tunnelUrl: 'ssh+tls://tunnel.example.com:443',
      createdAt: iso(T0),
      updatedAt: iso(T0),
    });
    const { stdout } = await execFile('ssh-keygen', ['-y', '-f', join(dir, 'tunnel_ed25519')]);
    expect(stdout.trim().split(' ').slice(0, 2)).toEqual(profile.publicKey.split(' ').slice(0, 2));
    expect(profile.clientId).toMatch(/^[a-z2-7]{12}$/);
    expect(await store.readPrivateKey('ci')).toBe(await readFile(join(dir, 'tunnel_ed25519'), 'utf8'));
    // The first profile becomes current even without --use.
    expect(await store.currentName()).toBe('ci');
  });

  it('should change nothing on bad input: bad name, bad settings, or a name already taken', async () => {
    await store.create({ name: 'ci' });
    const before = await snapshot(home);
    expect((await caught(store.create({ name: '../evil' }))).code).toBe('PROFILE_NAME_INVALID');
    expect((await caught(store.create({ name: 'x', tunnelUrl: 'http://not-ssh' }))).code).toBe('PROFILE_SETTINGS_INVALID');
    expect((await caught(store.create({ name: 'x', driver: 'Docker!' }))).code).toBe('PROFILE_SETTINGS_INVALID');
    expect((await caught(store.create({ name: 'ci' }))).code).toBe('PROFILE_EXISTS');
    expect((await caught(store.update('ci', { tunnelUrl: 'ssh://user@host' }))).code).toBe('PROFILE_SETTINGS_INVALID');
    expect((await caught(store.update('nope', { driver: 'docker' }))).code).toBe('PROFILE_NOT_FOUND');
    expect((await caught(store.use('nope'))).code).toBe('PROFILE_NOT_FOUND');
    expect((await caught(store.remove('nope'))).code).toBe('PROFILE_NOT_FOUND');
    expect((await caught(writeEnv('ci', { envId: '../x', composeProject: 'a', driver: 'docker', status: 'up' }))).code).toBe('ENV_ID_INVALID');
    // Lock directories are gone too: only the data is left.
    expect(await snapshot(home)).toEqual(before);
  });

  it('should merge, unset and replace settings, dropping the options of a replaced driver', async () => {
    await store.create({ name: 'ci', driverOptions: { a: 1, b: 'x' }, tunnelUrl: 'ssh://t.example.com' });
    clock += 5000;
    const merged = await store.update('ci', { driverOptions: { b: 'y', c: true }, unsetDriverOptions: ['a'] });
    expect(merged).toMatchObject({ driver: 'docker', driverOptions: { b: 'y', c: true }, tunnelUrl: 'ssh://t.example.com', createdAt: iso(T0), updatedAt: iso(T0 + 5000) });
    const unset = await store.update('ci', { tunnelUrl: null });
    expect(unset.tunnelUrl).toBeUndefined();
    expect(JSON.parse(await readFile(join(root, 'ci', 'profile.json'), 'utf8'))).not.toHaveProperty('tunnelUrl');
    expect(await store.update('ci', { driver: 'kube-pod', driverOptions: { namespace: 'n' } })).toMatchObject({ driver: 'kube-pod', driverOptions: { namespace: 'n' } });
    expect((await store.update('ci', { driver: 'kube-pod' })).driverOptions).toEqual({ namespace: 'n' });
  });

  it('should switch and list profiles, current marked', async () => {
    await store.create({ name: 'b', tunnelUrl: 'ssh://t.example.com' });
    await store.create({ name: 'a', driver: 'kube-pod' });
    expect(await store.currentName()).toBe('b');
    await store.use('a');
    expect(await store.list()).toEqual([
      { name: 'a', current: true, driver: 'kube-pod' },
      { name: 'b', current: false, driver: 'docker', tunnelUrl: 'ssh://t.example.com' },
    ]);
    await store.create({ name: 'c', use: true });
    expect(await store.currentName()).toBe('c');
  });

  it('should report a corrupted file by name with a remedy, and still list the other profiles', async () => {
    await store.create({ name: 'good' });
    await store.create({ name: 'bad' });
    const configPath = join(root, 'bad', 'profile.json');
    await writeFile(configPath, '{"version":1,"driver":');
    const err = await caught(store.get('bad'));
    expect(err).toMatchObject({ code: 'PROFILE_DATA_CORRUPT', kind: 'invalid-input' });
    expect(err.message).toContain(configPath);
    expect(err.suggestions.join('\n')).toContain('preevy profile rm bad --force');
    await writeFile(configPath, JSON.stringify({ version: 1, driver: 'docker', driverOptions: { x: [1] }, createdAt: 'yesterday', updatedAt: iso(T0) }));
    expect((await caught(store.get('bad'))).message).toMatch(/driverOptions\.x: .*createdAt: /);
    const listed = await store.list();
    expect(listed.map((p) => [p.name, p.problem === undefined])).toEqual([
      ['bad', false],
      ['good', true],
    ]);

    await writeFile(join(root, 'good', 'tunnel_ed25519.pub'), 'ssh-ed25519 garbage\n');
    expect((await caught(store.get('good'))).message).toContain(join(root, 'good', 'tunnel_ed25519.pub'));
    await writeFile(join(root, 'current.json'), 'not json');
    expect((await caught(store.resolve())).suggestions.join()).toContain('preevy profile use NAME');
  });

  it('should keep environment records in the profile directory, and none for a profile that does not exist', async () => {
    await store.create({ name: 'ci' });
    await writeEnv('ci', { envId: 'app-main', composeProject: 'app', driver: 'docker', status: 'up' });
    expect(JSON.parse(await readFile(join(root, 'ci', 'envs', 'app-main.json'), 'utf8'))).toMatchObject({ envId: 'app-main', createdAt: iso(T0) });
    const before = await snapshot(home);
    expect((await caught(writeEnv('nope', { envId: 'app-main', composeProject: 'app', driver: 'docker', status: 'up' }))).code).toBe('PROFILE_NOT_FOUND');
    expect((await caught(store.envs('nope').list())).code).toBe('PROFILE_NOT_FOUND');
    expect(await snapshot(home)).toEqual(before);
  });

  it('should refuse to remove the current profile or one with live environments unless forced', async () => {
    await store.create({ name: 'main' });
    await store.create({ name: 'ci' });
    await writeEnv('ci', { envId: 'old', composeProject: 'app', driver: 'docker', status: 'deleted' });
    expect(await store.remove('ci')).toEqual({ name: 'ci', wasCurrent: false, envIds: ['old'] });

    await store.create({ name: 'ci' });
    await writeEnv('ci', { envId: 'app-pr-1', composeProject: 'app', driver: 'docker', status: 'up' });
    const before = await snapshot(home);
    const live = await caught(store.remove('ci'));
    expect(live).toMatchObject({ code: 'PROFILE_HAS_ENVIRONMENTS', kind: 'conflict' });
    expect(live.message).toContain('app-pr-1');
    const current = await caught(store.remove('main'));
    expect(current.code).toBe('PROFILE_IS_CURRENT');
    expect(await snapshot(home)).toEqual(before);

    expect(await store.remove('ci', { force: true })).toEqual({ name: 'ci', wasCurrent: false, envIds: ['app-pr-1'] });
    expect(await store.remove('main', { force: true })).toMatchObject({ wasCurrent: true });
    expect(await store.currentName()).toBeUndefined();
    expect(await readdir(root)).toEqual([]);
  });

  it('should remove a corrupted profile with force', async () => {
    await store.create({ name: 'main' });
    await store.create({ name: 'broken' });
    await writeFile(join(root, 'broken', 'profile.json'), '');
    await writeFile(join(root, 'broken', 'tunnel_ed25519'), '');
    expect(await store.remove('broken', { force: true })).toMatchObject({ name: 'broken' });
    expect((await store.list()).map((p) => p.name)).toEqual(['main']);
  });

  it('should export and import a profile under another name with the same key, envs only when asked', async () => {
    const original = await store.create({ name: 'ci', driverOptions: { n: 1 }, tunnelUrl: 'ssh://t.example.com' });
    await writeEnv('ci', { envId: 'app-main', composeProject: 'app', driver: 'docker', status: 'up' });
    const bare = await store.exportProfile('ci');
    expect(bare).not.toHaveProperty('envs');
    expect(bare).toMatchObject({ formatVersion: 1, profile: { name: 'ci', driver: 'docker', driverOptions: { n: 1 }, tunnelUrl: 'ssh://t.example.com' }, publicKey: original.publicKey });

    const full = await store.exportProfile('ci', { includeEnvs: true });
    const copy = await store.importProfile(full, { name: 'copy', use: true });
    expect(copy).toMatchObject({ name: 'copy', clientId: original.clientId, publicKey: original.publicKey, driverOptions: { n: 1 } });
    expect(await store.readPrivateKey('copy')).toBe(await store.readPrivateKey('ci'));
    expect((await stat(join(root, 'copy', 'tunnel_ed25519'))).mode & 0o777).toBe(0o600);
    expect((await store.envs('copy').list()).map((e) => e.envId)).toEqual(['app-main']);
    expect(await store.currentName()).toBe('copy');
  });

  it('should refuse to import over an existing profile unless forced, and keep its environment records when forced', async () => {
    await store.create({ name: 'ci' });
    await writeEnv('ci', { envId: 'app-main', composeProject: 'app', driver: 'docker', status: 'up' });
    await store.create({ name: 'other', driver: 'kube-pod' });
    const doc = { ...(await store.exportProfile('other')), profile: { ...(await store.exportProfile('other')).profile, name: 'ci' } };
    const before = await snapshot(home);
    expect((await caught(store.importProfile(doc))).code).toBe('PROFILE_EXISTS');
    expect((await caught(store.importProfile({ ...doc, publicKey: (await store.get('ci')).publicKey }, { force: true }))).code).toBe('PROFILE_FILE_INVALID');
    expect(await snapshot(home)).toEqual(before);

    const replaced = await store.importProfile(doc, { force: true });
    expect(replaced).toMatchObject({ name: 'ci', driver: 'kube-pod', clientId: (await store.get('other')).clientId });
    expect((await store.envs('ci').list()).map((e) => e.envId)).toEqual(['app-main']);
    expect((await readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('should import the profile file named by PREEVY_PROFILE_FILE once, and refuse one with another key', async () => {
    const source = new LocalProfileStore({ root: join(home, 'elsewhere') });
    await source.create({ name: 'ci', tunnelUrl: 'ssh://t.example.com' });
    const file = join(home, 'profile.json');
    await writeFile(file, serializeProfileExport(await source.exportProfile('ci')), { mode: 0o600 });
    const env = { PREEVY_PROFILE_FILE: file };

    expect(await importProfileFromEnv({ store, env: {} })).toBeUndefined();
    const imported = await importProfileFromEnv({ store, env });
    expect(imported).toMatchObject({ name: 'ci', tunnelUrl: 'ssh://t.example.com', clientId: (await source.get('ci')).clientId });
    expect(await importProfileFromEnv({ store, env })).toEqual(imported);

    await store.remove('ci', { force: true });
    await store.create({ name: 'ci' });
    expect((await caught(importProfileFromEnv({ store, env }))).code).toBe('PROFILE_EXISTS');
    expect((await caught(importProfileFromEnv({ store, env: { PREEVY_PROFILE_FILE: join(home, 'missing.json') } }))).code).toBe('PROFILE_FILE_UNREADABLE');
  });

  describe('tunnel server host key pins', () => {
    const url = 'ssh://t.example.com:2222';
    const profileJson = async (name: string) => JSON.parse(await readFile(join(root, name, 'profile.json'), 'utf8')) as Record<string, unknown>;

    it('should pin the first key a server shows, accept it again, and refuse another one changing nothing', async () => {
      const first = serverKey();
      await store.create({ name: 'ci', tunnelUrl: url });
      clock += 1000;
      const pinned = await store.pinTunnelHostKey('ci', { tunnelUrl: url, hostKey: first.line });
      expect(pinned).toMatchObject({ pinned: true, profile: { tunnelHostKey: first.line, updatedAt: iso(T0 + 1000) } });
      expect(await profileJson('ci')).toMatchObject({ tunnelUrl: url, tunnelHostKey: first.line });
      expect((await store.pinTunnelHostKey('ci', { tunnelUrl: url, hostKey: `${first.line} comment` })).pinned).toBe(false);

      const before = await snapshot(home);
      const impostor = serverKey();
      const err = await caught(store.pinTunnelHostKey('ci', { tunnelUrl: url, hostKey: impostor.line }));
      expect(err).toMatchObject({ code: 'TUNNEL_HOST_KEY_CHANGED', kind: 'conflict' });
      expect(err.message).toContain(impostor.fingerprint);
      expect(err.message).toContain(first.fingerprint);
      expect(err.suggestions.join('\n')).toContain(`--tunnel-host-key '${impostor.line}'`);
      expect(err.suggestions.join('\n')).toContain('--unset-tunnel-host-key');
      expect(await snapshot(home)).toEqual(before);
    });

    it('should refuse to pin for a URL the profile no longer has', async () => {
      await store.create({ name: 'ci', tunnelUrl: url });
      const before = await snapshot(home);
      expect((await caught(store.pinTunnelHostKey('ci', { tunnelUrl: 'ssh://other.example.com', hostKey: serverKey().line }))).code).toBe('TUNNEL_URL_CHANGED');
      expect(await snapshot(home)).toEqual(before);
    });

    it('should take a pin up front as a key line or a fingerprint, stored canonical, and check it against what a server shows', async () => {
      const key = serverKey();
      expect((await store.create({ name: 'line', tunnelUrl: url, tunnelHostKey: `  ${key.line} operator@example\n` })).tunnelHostKey).toBe(key.line);
      expect((await store.create({ name: 'fp', tunnelUrl: url, tunnelHostKey: `${key.fingerprint}=` })).tunnelHostKey).toBe(key.fingerprint);
      expect((await store.pinTunnelHostKey('fp', { tunnelUrl: url, hostKey: key.line })).pinned).toBe(false);
      expect((await caught(store.pinTunnelHostKey('fp', { tunnelUrl: url, hostKey: serverKey().line }))).code).toBe('TUNNEL_HOST_KEY_CHANGED');
      expect(await profileJson('fp')).toMatchObject({ tunnelHostKey: key.fingerprint });
    });

    it('should change nothing on a bad pin, or a pin without a tunnel URL', async () => {
      await store.create({ name: 'ci', tunnelUrl: url });
      await store.create({ name: 'local' });
      const before = await snapshot(home);
      expect((await caught(store.create({ name: 'x', tunnelUrl: url, tunnelHostKey: 'SHA256:short' }))).code).toBe('TUNNEL_HOST_KEY_INVALID');
      expect((await caught(store.create({ name: 'x', tunnelHostKey: serverKey().line }))).code).toBe('PROFILE_SETTINGS_INVALID');
      expect((await caught(store.update('ci', { tunnelHostKey: 'ssh-ed25519 AAAA' }))).code).toBe('TUNNEL_HOST_KEY_INVALID');
      expect((await caught(store.update('local', { tunnelHostKey: serverKey().line }))).code).toBe('PROFILE_SETTINGS_INVALID');
      expect(await snapshot(home)).toEqual(before);
    });

    it('should set and unset the pin, and drop it when the tunnel URL changes or is unset, unless a key comes along', async () => {
      const [a, b] = [serverKey(), serverKey()];
      await store.create({ name: 'ci', tunnelUrl: url, tunnelHostKey: a.line });
      expect((await store.update('ci', { driverOptions: { n: 1 } })).tunnelHostKey).toBe(a.line);
      expect((await store.update('ci', { tunnelUrl: url })).tunnelHostKey).toBe(a.line);
      expect((await store.update('ci', { tunnelHostKey: null })).tunnelHostKey).toBeUndefined();
      expect(await profileJson('ci')).not.toHaveProperty('tunnelHostKey');
      expect((await store.update('ci', { tunnelHostKey: b.fingerprint })).tunnelHostKey).toBe(b.fingerprint);
      expect((await store.update('ci', { tunnelUrl: 'ssh://new.example.com' })).tunnelHostKey).toBeUndefined();
      expect((await store.update('ci', { tunnelUrl: url, tunnelHostKey: a.line })).tunnelHostKey).toBe(a.line);
      const local = await store.update('ci', { tunnelUrl: null });
      expect(local.tunnelUrl).toBeUndefined();
      expect(local.tunnelHostKey).toBeUndefined();
    });

    it('should carry the pin through export and import', async () => {
      const key = serverKey();
      await store.create({ name: 'ci', tunnelUrl: url, tunnelHostKey: key.line });
      const doc = await store.exportProfile('ci');
      expect(doc.profile.tunnelHostKey).toBe(key.line);
      expect((await store.importProfile(doc, { name: 'copy' })).tunnelHostKey).toBe(key.line);
      expect((await caught(store.pinTunnelHostKey('copy', { tunnelUrl: url, hostKey: serverKey().line }))).code).toBe('TUNNEL_HOST_KEY_CHANGED');
    });
  });
});
