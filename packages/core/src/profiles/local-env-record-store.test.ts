import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught } from '../../../../test/support/preevy-error-of.js';
import { PreevyError } from '../errors/index.js';
import type { EnvRecordInput } from './env-record-store.js';
import { LocalEnvRecordStore } from './local-env-record-store.js';
import type { LockFn } from './profile-lock.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const input = (envId: string, extra: Partial<EnvRecordInput> = {}): EnvRecordInput => ({ envId, composeProject: 'app', driver: 'docker', status: 'up', ...extra });

describe('LocalEnvRecordStore', () => {
  let root: string;
  let profileDir: string;
  let clock: number;
  let events: string[];
  let profileProblem: PreevyError | undefined;
  let store: LocalEnvRecordStore;

  // Records acquire and release, so a test can see what happened while the lock was held.
  const recordingLock: LockFn = async (path) => {
    events.push(`lock ${path}`);
    return async () => {
      events.push(`unlock ${path}`);
    };
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'preevy-envs-'));
    profileDir = join(root, 'ci');
    await mkdir(profileDir);
    clock = T0;
    events = [];
    profileProblem = undefined;
    store = new LocalEnvRecordStore({
      profile: 'ci',
      profileDir,
      checkProfile: async () => {
        events.push('check profile');
        if (profileProblem) throw profileProblem;
      },
      lock: recordingLock,
      now: () => new Date(clock),
    });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('should create, update, read, list and remove records, keeping createdAt and the URLs an update leaves out', async () => {
    const urls = [{ service: 'web', port: 80, url: 'http://web-80-app-main.example.com/' }];
    const created = await store.update('app-main', () => input('app-main', { status: 'provisioning', urls }));
    expect(created).toEqual({ version: 1, envId: 'app-main', composeProject: 'app', driver: 'docker', status: 'provisioning', urls, createdAt: iso(T0), updatedAt: iso(T0) });
    clock += 60_000;
    const up = await store.update('app-main', (prev) => input('app-main', { composeProject: prev!.composeProject }));
    expect(up).toMatchObject({ status: 'up', urls, createdAt: iso(T0), updatedAt: iso(T0 + 60_000) });
    await store.update('app-pr-1', () => input('app-pr-1'));
    expect(await store.read('app-main')).toEqual(up);
    expect((await store.list()).map((r) => r.envId)).toEqual(['app-main', 'app-pr-1']);

    expect(await store.remove('app-main')).toBe(true);
    expect(await store.remove('app-main')).toBe(false);
    expect(await store.read('app-main')).toBeUndefined();
    expect((await store.list()).map((r) => r.envId)).toEqual(['app-pr-1']);
  });

  it('should check the profile, read, and write while holding the profile lock', async () => {
    await store.update('app-main', (prev) => {
      events.push(`updater saw ${prev === undefined ? 'nothing' : prev.status}`);
      return input('app-main');
    });
    expect(events).toEqual([`lock ${profileDir}`, 'check profile', 'updater saw nothing', `unlock ${profileDir}`]);
  });

  it('should write nothing when the profile is not whole', async () => {
    profileProblem = new PreevyError('Profile "ci" does not exist.', { code: 'PROFILE_NOT_FOUND', kind: 'not-found' });
    expect((await caught(store.update('app-main', () => input('app-main')))).code).toBe('PROFILE_NOT_FOUND');
    expect(await readdir(profileDir)).toEqual([]);
    expect(events.at(-1)).toBe(`unlock ${profileDir}`);
  });

  it('should refuse an invalid environment id with its rule before taking the lock', async () => {
    for (const attempt of [store.update('../x', () => input('../x')), store.remove('../x'), store.read('A B')]) {
      const err = await caught(attempt);
      expect(err).toMatchObject({ code: 'ENV_ID_INVALID', kind: 'invalid-input' });
      expect(err.suggestions.join()).toContain('preevy env-id --id NAME');
    }
    expect(events).toEqual([]);
    expect(await readdir(profileDir)).toEqual([]);
  });

  it('should refuse an updater that returns another environment, keeping the stored record', async () => {
    const before = await store.update('app-main', () => input('app-main'));
    expect((await caught(store.update('app-main', () => input('other')))).code).toBe('ENV_RECORD_INVALID');
    expect(await store.read('app-main')).toEqual(before);
    expect((await store.list()).map((r) => r.envId)).toEqual(['app-main']);
  });

  it('should name the corrupted file and how to repair it', async () => {
    await store.update('app-main', () => input('app-main'));
    const path = join(profileDir, 'envs', 'app-main.json');
    await writeFile(path, JSON.stringify({ ...(await store.read('app-main')), status: 'exploded' }));
    const invalid = await caught(store.list());
    expect(invalid).toMatchObject({ code: 'PROFILE_DATA_CORRUPT' });
    expect(invalid.message).toContain(path);
    expect(invalid.suggestions.join()).toContain('delete it if environment "app-main" no longer exists');

    await writeFile(path, JSON.stringify({ ...(await store.update('other', () => input('other'))) }));
    expect((await caught(store.read('app-main'))).message).toContain('it describes environment "other"');
  });

  it('should list record ids without reading them, skipping temp files of an interrupted write', async () => {
    await store.update('app-main', () => input('app-main'));
    await writeFile(join(profileDir, 'envs', '.app-pr-1.json.0a1b2c.tmp'), '{');
    await writeFile(join(profileDir, 'envs', 'broken.json'), 'not json');
    expect(await store.ids()).toEqual(['app-main', 'broken']);
  });

  it('should say the profile does not exist when listing records of a missing profile', async () => {
    await rm(profileDir, { recursive: true });
    expect((await caught(store.list())).code).toBe('PROFILE_NOT_FOUND');
  });
});
