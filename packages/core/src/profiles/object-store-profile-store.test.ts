import { describe, expect, it } from 'vitest';
import { caught } from '../../../../test/support/preevy-error-of.js';
import { PreevyError } from '../errors/index.js';
import { MemoryObjectStore } from './memory-object-store.js';
import type { ObjectStore } from './object-store.js';
import { ObjectStoreProfileStore } from './object-store-profile-store.js';
import type { EnvRecordInput } from './env-record-store.js';

const noWait = { attempts: 5, minDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined };
const storeOn = (objects: ObjectStore) => new ObjectStoreProfileStore({ objects, retry: noWait, now: () => new Date('2026-01-01T00:00:00.000Z') });
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (err: unknown) => (err instanceof PreevyError ? err.code : String(err)));
const input = (envId: string, urls: string[]): EnvRecordInput => ({
  envId,
  composeProject: 'app',
  driver: 'docker',
  status: 'up',
  urls: urls.map((u, i) => ({ service: `s${i}`, port: 80, url: u })),
});

/** Lets every reader of `key` through only once `readers` of them have read, so their writes race. */
const barrierOn = (inner: ObjectStore, key: string, readers: number): ObjectStore => {
  let waiting: (() => void)[] = [];
  let released = false;
  return {
    location: inner.location,
    url: inner.url,
    get: async (k) => {
      const value = await inner.get(k);
      if (k === key && !released) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length >= readers) {
            released = true;
            waiting.forEach((r) => r());
            waiting = [];
          }
        });
      }
      return value;
    },
    putIfAbsent: (...a) => inner.putIfAbsent(...a),
    putIfMatch: (...a) => inner.putIfMatch(...a),
    delete: (k) => inner.delete(k),
    list: (p) => inner.list(p),
  };
};

describe('ObjectStoreProfileStore', () => {
  it('should create a profile whose private key object is a secret, readable from a second store on the same objects', async () => {
    const objects = new MemoryObjectStore('s3://b/team');
    const created = await storeOn(objects).create({ name: 'team', driver: 'docker', driverOptions: { x: 1 } });
    const keyObject = [...objects.objects.entries()].find(([k]) => k.startsWith('keys/'));
    expect(keyObject?.[1].secret).toBe(true);
    expect(objects.objects.get('profile.json')?.secret).toBe(false);
    expect(objects.objects.get('profile.json')?.body).not.toContain('PRIVATE KEY');
    const other = storeOn(objects);
    expect(await other.resolve()).toEqual(created);
    expect(await other.readPrivateKey('team')).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(await codeOf(other.create({ name: 'again' }))).toBe('PROFILE_EXISTS');
    expect(await codeOf(other.get('other-name'))).toBe('PROFILE_NOT_FOUND');
  });

  it('should refuse bad settings before writing anything', async () => {
    const objects = new MemoryObjectStore();
    expect(await codeOf(storeOn(objects).create({ name: 'x', tunnelUrl: 'http://nope' }))).toBe('PROFILE_SETTINGS_INVALID');
    expect(await codeOf(storeOn(objects).create({ name: 'Bad Name' }))).toBe('PROFILE_NAME_INVALID');
    expect(objects.objects.size).toBe(0);
  });

  it('should say when the object at the prefix is not a preevy profile, and when there is none', async () => {
    const objects = new MemoryObjectStore('s3://b/p');
    expect(await codeOf(storeOn(objects).resolve())).toBe('PROFILE_NOT_FOUND');
    await objects.putIfAbsent('profile.json', '{"hello": "world"}');
    const err = await caught(storeOn(objects).resolve());
    expect(err).toBeInstanceOf(PreevyError);
    expect(err.code).toBe('PROFILE_STORE_NOT_PROFILE');
    expect(err.message).toContain('s3://b/p/profile.json is not a preevy profile');
  });

  it('should lose no env record update when two writers race on one record (the loser retries)', async () => {
    const objects = new MemoryObjectStore();
    await storeOn(objects).create({ name: 'team' });
    const racing = barrierOn(objects, 'envs/pr-1.json', 2);
    const [a, b] = [storeOn(racing).envs('team'), storeOn(racing).envs('team')];
    const append = (url: string) => (prev: Parameters<Parameters<typeof a.update>[1]>[0]) => input('pr-1', [...(prev?.urls.map((u) => u.url) ?? []), url]);
    await Promise.all([a.update('pr-1', append('http://a.test/')), b.update('pr-1', append('http://b.test/'))]);
    expect((await a.read('pr-1'))?.urls.map((u) => u.url).sort()).toEqual(['http://a.test/', 'http://b.test/']);
  });

  it('should lose the update of a racing writer with a plain put: the race above proves something', async () => {
    const objects = new MemoryObjectStore();
    await storeOn(objects).create({ name: 'team' });
    let version = 0;
    const put = async (k: string, body: string) => {
      const etag = `"plain-${++version}"`;
      objects.objects.set(k, { body, etag, secret: false });
      return etag;
    };
    const plain: ObjectStore = { ...barrierOn(objects, 'envs/pr-1.json', 2), putIfMatch: put, putIfAbsent: put };
    const [a, b] = [storeOn(plain).envs('team'), storeOn(plain).envs('team')];
    const append = (url: string) => (prev: Parameters<Parameters<typeof a.update>[1]>[0]) => input('pr-1', [...(prev?.urls.map((u) => u.url) ?? []), url]);
    await Promise.all([a.update('pr-1', append('http://a.test/')), b.update('pr-1', append('http://b.test/'))]);
    expect((await a.read('pr-1'))?.urls).toHaveLength(1);
  });

  it('should keep one record object per environment and list them', async () => {
    const objects = new MemoryObjectStore();
    const store = storeOn(objects);
    await store.create({ name: 'team' });
    await Promise.all([store.envs('team').update('pr-1', () => input('pr-1', [])), store.envs('team').update('pr-2', () => input('pr-2', []))]);
    expect(await objects.list('envs/')).toEqual(['envs/pr-1.json', 'envs/pr-2.json']);
    expect((await store.envs('team').list()).map((r) => r.envId)).toEqual(['pr-1', 'pr-2']);
    expect(await store.envs('team').remove('pr-1')).toBe(true);
    expect(await store.envs('team').remove('pr-1')).toBe(false);
  });

  it('should pin a host key with a conditional write that sees a concurrent pin', async () => {
    const objects = new MemoryObjectStore();
    await storeOn(objects).create({ name: 'team', tunnelUrl: 'ssh://t.example.com' });
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ';
    const racing = barrierOn(objects, 'profile.json', 2);
    const results = await Promise.all([storeOn(racing).pinTunnelHostKey('team', { tunnelUrl: 'ssh://t.example.com', hostKey: key }), storeOn(racing).pinTunnelHostKey('team', { tunnelUrl: 'ssh://t.example.com', hostKey: key })]);
    expect(results.map((r) => r.pinned).sort()).toEqual([false, true]);
    const update = await storeOn(objects).update('team', { driverOptions: { a: 'b' } });
    expect(update.tunnelHostKey).toMatch(/^ssh-ed25519 /);
    expect(update.driverOptions).toEqual({ a: 'b' });
    // Removing a setting removes it (it is not kept from the previous version).
    const unset = await storeOn(objects).update('team', { tunnelUrl: null });
    expect(unset.tunnelUrl).toBeUndefined();
    expect(unset.tunnelHostKey).toBeUndefined();
    expect((await storeOn(objects).resolve()).tunnelUrl).toBeUndefined();
  });

  it('should give up with STORE_CONTENDED after a bounded number of lost writes', async () => {
    const objects = new MemoryObjectStore();
    await storeOn(objects).create({ name: 'team' });
    const losing: ObjectStore = { location: objects.location, url: objects.url, get: (k) => objects.get(k), list: (p) => objects.list(p), delete: (k) => objects.delete(k), putIfAbsent: async () => undefined, putIfMatch: async () => undefined };
    expect(await codeOf(storeOn(losing).update('team', { driver: 'kube-pod' }))).toBe('STORE_CONTENDED');
  });

  it('should export and import with the key, and replace only with force', async () => {
    const source = storeOn(new MemoryObjectStore());
    await source.create({ name: 'team' });
    await source.envs('team').update('pr-1', () => input('pr-1', []));
    const doc = await source.exportProfile('team', { includeEnvs: true });
    const objects = new MemoryObjectStore();
    const target = storeOn(objects);
    const imported = await target.importProfile(doc, { name: 'copy' });
    expect(imported.clientId).toBe((await source.resolve()).clientId);
    expect((await target.envs('copy').list()).map((r) => r.envId)).toEqual(['pr-1']);
    expect(await codeOf(target.importProfile(doc))).toBe('PROFILE_EXISTS');
    const other = storeOn(new MemoryObjectStore());
    await other.create({ name: 'other' });
    await target.importProfile(await other.exportProfile('other'), { force: true });
    expect((await target.resolve()).name).toBe('other');
    // The replaced key object is gone: one key per profile.
    expect((await objects.list('keys/')).length).toBe(1);
  });

  it('should remove everything it wrote, refusing live environments without force', async () => {
    const objects = new MemoryObjectStore();
    const store = storeOn(objects);
    await store.create({ name: 'team' });
    await store.envs('team').update('pr-1', () => input('pr-1', []));
    expect(await codeOf(store.remove('team'))).toBe('PROFILE_HAS_ENVIRONMENTS');
    await objects.putIfAbsent('unrelated.txt', 'x');
    expect(await store.remove('team', { force: true })).toMatchObject({ envIds: ['pr-1'] });
    expect(await objects.list('')).toEqual(['unrelated.txt']);
  });
});
