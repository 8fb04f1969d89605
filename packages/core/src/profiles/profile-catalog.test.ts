import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught } from '../../../../test/support/preevy-error-of.js';
import { MemoryObjectStore } from './memory-object-store.js';
import { ProfileCatalog } from './profile-catalog.js';

describe('ProfileCatalog', () => {
  let dir: string;
  // One bucket per URL, shared by every "machine" (PREEVY_HOME) of the test.
  const buckets = new Map<string, MemoryObjectStore>();
  const catalog = (machine: string) =>
    new ProfileCatalog({
      env: { PREEVY_HOME: join(dir, machine) },
      openObjects: async (location) => {
        if (!buckets.has(location.url)) buckets.set(location.url, new MemoryObjectStore(location.url));
        return buckets.get(location.url)!;
      },
      retry: { attempts: 3, minDelayMs: 0, maxDelayMs: 0 },
    });
  const URL_A = 's3://bucket/team?region=eu-west-1';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'preevy-catalog-'));
    buckets.clear();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should create a remote profile, link it under its name, and make it current when none is', async () => {
    const a = catalog('a');
    const created = await a.create({ name: 'team' }, URL_A);
    expect(created.location).toBe(URL_A);
    expect(await a.list()).toEqual([{ name: 'team', current: true, driver: 'docker', store: URL_A }]);
    // No --profile: the current profile is the link.
    expect((await a.resolve()).profile.clientId).toBe(created.profile.clientId);
    expect((await a.resolve('team')).location).toBe(URL_A);
  });

  it('should link from a second machine under another name, and forget only the link on rm', async () => {
    const created = await catalog('a').create({ name: 'team' }, URL_A);
    const b = catalog('b');
    const linked = await b.link(URL_A, { name: 'shared' });
    expect(linked.profile).toEqual(created.profile);
    expect((await b.resolve('shared')).profile.name).toBe('team');
    expect(await b.remove('shared')).toMatchObject({ unlinked: true, location: URL_A });
    expect(await b.list()).toEqual([]);
    // The profile itself is still there.
    expect((await catalog('c').resolve(URL_A)).profile.name).toBe('team');
  });

  it('should keep local names and links apart', async () => {
    const a = catalog('a');
    await a.create({ name: 'local' });
    expect((await caught(a.create({ name: 'local' }, URL_A))).code).toBe('PROFILE_EXISTS');
    // The refused create wrote nothing remote.
    expect(await buckets.get(URL_A)?.list('')).toEqual([]);
    await a.create({ name: 'team' }, URL_A);
    expect((await caught(a.create({ name: 'team' }))).code).toBe('PROFILE_EXISTS');
    expect((await caught(a.link('s3://bucket/other?region=eu-west-1', { name: 'team' }))).code).toBe('PROFILE_NOT_FOUND');
    await a.use('team');
    expect(await a.isCurrent('team')).toBe(true);
  });

  it('should refuse a bad URL before reaching any store', async () => {
    expect((await caught(catalog('a').resolve('s3://Bad_Bucket/p'))).code).toBe('PROFILE_STORE_URL_INVALID');
    expect(buckets.size).toBe(0);
  });
});
