import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ObjectStoreProfileStore, parseProfileStoreUrl, PreevyError, type EnvRecordInput, type ObjectStore } from '@preevy/core';
import { startMoto, type Moto } from '../../../../test/support/moto.js';
import { caught } from '../../../../test/support/preevy-error-of.js';
import { S3ObjectStore, s3ClientFor } from './s3-object-store.js';

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (err: unknown) => (err instanceof PreevyError ? err.code : `not a PreevyError: ${String(err)}`));
const input = (envId: string, urls: string[]): EnvRecordInput => ({ envId, composeProject: 'app', driver: 'docker', status: 'up', urls: urls.map((url, i) => ({ service: `s${i}`, port: 80, url })) });

/** Holds every reader of `key` until `readers` of them have read it, so their conditional writes race for real. */
const raceOn = (inner: ObjectStore, key: string, readers: number): ObjectStore & { gets: number } => {
  let waiting: (() => void)[] = [];
  const wrapper = {
    gets: 0,
    location: inner.location,
    url: inner.url,
    get: async (k: string) => {
      const value = await inner.get(k);
      if (k === key && ++wrapper.gets <= readers) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === readers) {
            waiting.forEach((r) => r());
            waiting = [];
          }
        });
      }
      return value;
    },
    putIfAbsent: inner.putIfAbsent.bind(inner),
    putIfMatch: inner.putIfMatch.bind(inner),
    delete: inner.delete.bind(inner),
    list: inner.list.bind(inner),
  };
  return wrapper;
};

describe('S3ObjectStore against moto', () => {
  let moto: Moto;
  const saved = { ...process.env };
  const s3 = (url: string) => {
    const location = parseProfileStoreUrl(url);
    return new S3ObjectStore({ location, client: s3ClientFor(location) });
  };

  beforeAll(async () => {
    moto = await startMoto();
    // The SDK's default credential chain reads process.env: give it moto's throwaway keys only.
    Object.assign(process.env, moto.env);
    await moto.createBucket('profiles');
  });
  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });

  it('should send If-None-Match and If-Match: a second create and a stale update are refused by S3', async () => {
    const objects = s3(moto.url('profiles', 'cond'));
    const first = await objects.putIfAbsent('a.json', '{"n":1}');
    expect(first).toBeTruthy();
    expect(await objects.putIfAbsent('a.json', '{"n":2}')).toBeUndefined();
    const second = await objects.putIfMatch('a.json', '{"n":3}', first!);
    expect(second).toBeTruthy();
    expect(await objects.putIfMatch('a.json', '{"n":4}', first!)).toBeUndefined();
    expect(await objects.get('a.json')).toEqual({ body: '{"n":3}', etag: second });
    expect(await objects.list('')).toEqual(['a.json']);
    await objects.delete('a.json');
    expect(await objects.get('a.json')).toBeUndefined();
    await objects.delete('a.json');
  });

  it('should request server-side encryption for the tunnel key object only, and never put the key in profile.json', async () => {
    const url = moto.url('profiles', 'team/sse');
    const store = new ObjectStoreProfileStore({ objects: s3(url) });
    const profile = await store.create({ name: 'team' });
    const client = moto.client();
    const key = await client.send(new HeadObjectCommand({ Bucket: 'profiles', Key: `team/sse/keys/${profile.clientId}` }));
    expect(key.ServerSideEncryption).toBe('AES256');
    const settings = await client.send(new GetObjectCommand({ Bucket: 'profiles', Key: 'team/sse/profile.json' }));
    expect(settings.ServerSideEncryption).toBeUndefined();
    expect(await settings.Body!.transformToString()).not.toMatch(/PRIVATE KEY/);
  });

  it('should lose no update when two writers race on one record: the loser gets 412 from S3 and retries', async () => {
    const url = moto.url('profiles', 'race');
    await new ObjectStoreProfileStore({ objects: s3(url) }).create({ name: 'race' });
    await new ObjectStoreProfileStore({ objects: s3(url) }).envs('race').update('pr-1', () => input('pr-1', ['http://first.test/']));
    const racing = raceOn(s3(url), 'envs/pr-1.json', 2);
    const writer = () => new ObjectStoreProfileStore({ objects: racing, retry: { attempts: 5, minDelayMs: 10, maxDelayMs: 50 } }).envs('race');
    const append = (url: string) => (prev: { urls: { url: string }[] } | undefined) => input('pr-1', [...(prev?.urls.map((u) => u.url) ?? []), url]);
    await Promise.all([writer().update('pr-1', append('http://a.test/')), writer().update('pr-1', append('http://b.test/'))]);
    // Both read version 1; one conditional write won, the other was refused, read again and wrote on top.
    expect(racing.gets).toBe(3);
    const urls = (await writer().read('pr-1'))?.urls.map((u) => u.url).sort();
    expect(urls).toEqual(['http://a.test/', 'http://b.test/', 'http://first.test/']);
  });

  it('should say the bucket is missing, naming it and what to do', async () => {
    const store = new ObjectStoreProfileStore({ objects: s3(moto.url('no-such-bucket', 'p')) });
    const err = await caught(store.resolve());
    expect(err).toMatchObject({ code: 'S3_BUCKET_NOT_FOUND', kind: 'not-found' });
    expect(err.message).toContain('"no-such-bucket"');
    expect(err.suggestions.join(' ')).toMatch(/aws s3 mb s3:\/\/no-such-bucket/);
    expect(await codeOf(store.create({ name: 'x' }))).toBe('S3_BUCKET_NOT_FOUND');
  });

  it('should say an unreachable endpoint does not answer', async () => {
    // A port moto just released: nothing listens there, on loopback.
    const other = await startMoto();
    const url = other.url('profiles', 'p');
    await other.stop();
    expect(await codeOf(new ObjectStoreProfileStore({ objects: s3(url) }).resolve())).toBe('S3_UNREACHABLE');
  });

  it('should refuse an object that is not a preevy profile, changing nothing', async () => {
    await moto.client().send(new PutObjectCommand({ Bucket: 'profiles', Key: 'other/profile.json', Body: '{"some":"thing"}' }));
    const store = new ObjectStoreProfileStore({ objects: s3(moto.url('profiles', 'other')) });
    expect(await codeOf(store.resolve())).toBe('PROFILE_STORE_NOT_PROFILE');
    expect(await codeOf(store.create({ name: 'x' }))).toBe('PROFILE_STORE_NOT_PROFILE');
    expect(await s3(moto.url('profiles', 'other')).list('')).toEqual(['profile.json']);
  });
});

describe('S3ObjectStore against moto checking credentials', () => {
  let moto: Moto;
  const saved = { ...process.env };
  beforeAll(async () => {
    moto = await startMoto({ auth: true });
  });
  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });

  it('should say the credentials were refused and where the SDK takes them from, never printing the secret', async () => {
    Object.assign(process.env, moto.env, { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-value' });
    const location = parseProfileStoreUrl(moto.url('profiles', 'p'));
    const store = new ObjectStoreProfileStore({ objects: new S3ObjectStore({ location, client: s3ClientFor(location) }) });
    const err = await caught(store.resolve());
    expect(err.code).toBe('S3_ACCESS_DENIED');
    expect(err.message).toContain('InvalidAccessKeyId');
    expect(err.suggestions.join(' ')).toMatch(/AWS_ACCESS_KEY_ID.*AWS_PROFILE/);
    expect(JSON.stringify({ m: err.message, s: err.suggestions })).not.toContain('not-a-real-secret-value');
  });
});
