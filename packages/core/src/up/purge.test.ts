import { describe, expect, it } from 'vitest';
import type { DockerHostDriver, ListedHost } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { EnvRecord } from '../profiles/profile-schema.js';
import type { Profile } from '../profiles/profile-store.js';
import { silentProgress } from '../progress.js';
import type { DownResult } from './down.js';
import { listEnvironments } from './list-environments.js';
import { purge } from './purge.js';

const NOW = new Date('2026-12-10T12:00:00.000Z');
const daysAgo = (d: number): string => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const WEEK = 7 * 86_400_000;

const record = (envId: string, over: Partial<EnvRecord> = {}): EnvRecord => ({
  version: 1,
  envId,
  composeProject: envId,
  driver: 'kube-pod',
  status: 'up',
  urls: [],
  createdAt: daysAgo(30),
  updatedAt: daysAgo(1),
  ...over,
});

const listOnly = (records: EnvRecord[]): EnvRecordStore => ({ list: async () => records }) as unknown as EnvRecordStore;
const driverListing = (hosts: ListedHost[], hostPerEnvironment = true): DockerHostDriver =>
  ({ name: 'kube-pod', hostPerEnvironment, listHosts: async () => hosts }) as unknown as DockerHostDriver;
const host = (envId: string, lastUpAt?: string): ListedHost => ({ driver: 'kube-pod', envId, state: {}, ...(lastUpAt ? { lastUpAt } : {}) });

describe('listEnvironments', () => {
  it('should merge records with listed hosts and take the later of their last-up times', async () => {
    const entries = await listEnvironments({
      envs: listOnly([record('a', { lastUpAt: daysAgo(9) }), record('b', { lastUpAt: daysAgo(2) }), record('old', { updatedAt: daysAgo(20) })]),
      driver: driverListing([{ ...host('a', daysAgo(1)), summary: 'running t3.small' }, host('c', daysAgo(3)), host('d')]),
      profileId: 'p',
    });
    expect(entries).toEqual([
      expect.objectContaining({ envId: 'a', lastUpAt: daysAgo(1), host: 'running t3.small', source: 'both' }),
      expect.objectContaining({ envId: 'b', lastUpAt: daysAgo(2), source: 'record' }),
      { envId: 'c', driver: 'kube-pod', lastUpAt: daysAgo(3), source: 'driver' },
      { envId: 'd', driver: 'kube-pod', source: 'driver' },
      // a record from before lastUpAt was kept: its last write stands in
      expect.objectContaining({ envId: 'old', lastUpAt: daysAgo(20), source: 'record' }),
    ]);
  });

  it('should not ask a driver without hosts of its own', async () => {
    const driver = { name: 'docker', hostPerEnvironment: false, listHosts: async () => { throw new Error('must not list'); } } as unknown as DockerHostDriver;
    expect(await listEnvironments({ envs: listOnly([record('a')]), driver, profileId: 'p' })).toHaveLength(1);
  });
});

describe('purge', () => {
  const setup = (fail: Record<string, Error> = {}) => {
    const removed: string[] = [];
    const deps = {
      envs: listOnly([record('fresh', { lastUpAt: daysAgo(1) }), record('stale', { lastUpAt: daysAgo(8) }), record('broken', { lastUpAt: daysAgo(10) })]),
      profile: { name: 'p' } as Profile,
      driver: async () => driverListing([host('orphan', daysAgo(14)), host('undated')]),
      progress: silentProgress,
      now: () => NOW,
      remove: async (envId: string): Promise<DownResult> => {
        if (fail[envId]) throw fail[envId];
        removed.push(envId);
        return { envId, removed: { containers: 0, volumes: 0, networks: 0 }, existed: true };
      },
    };
    return { deps, removed };
  };

  it('should remove every environment older than the cutoff, keep the newer and never touch an undated one', async () => {
    const { deps, removed } = setup();
    const result = await purge({ olderThanMs: WEEK }, deps);
    expect(removed).toEqual(['broken', 'orphan', 'stale']);
    expect(result).toMatchObject({ cutoff: daysAgo(7), dryRun: false, kept: ['fresh'], undated: ['undated'], failed: [] });
    expect(result.removed.map((r) => [r.envId, r.source])).toEqual([['broken', 'record'], ['orphan', 'driver'], ['stale', 'record']]);
  });

  it('should remove nothing on a dry run and list the same environments', async () => {
    const { deps, removed } = setup();
    const result = await purge({ olderThanMs: WEEK, dryRun: true }, deps);
    expect(removed).toEqual([]);
    expect(result.removed.map((r) => r.envId)).toEqual(['broken', 'orphan', 'stale']);
  });

  it('should go on after one environment fails, and report it with its code', async () => {
    const { deps, removed } = setup({ broken: new PreevyError('cluster gone', { code: 'KUBE_API_UNREACHABLE', kind: 'unavailable' }) });
    const result = await purge({ olderThanMs: WEEK }, deps);
    expect(removed).toEqual(['orphan', 'stale']);
    expect(result.failed).toEqual([expect.objectContaining({ envId: 'broken', error: { code: 'KUBE_API_UNREACHABLE', message: 'cluster gone' } })]);
  });

  it('should stop at once when interrupted', async () => {
    const { deps } = setup({ broken: new PreevyError('Interrupted', { code: 'INTERRUPTED', kind: 'interrupted' }) });
    await expect(purge({ olderThanMs: WEEK }, deps)).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });
});
