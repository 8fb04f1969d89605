import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DockerHost, DockerHostDriver } from '../driver/docker-host-driver.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { EnvRecord } from '../profiles/profile-schema.js';
import type { Profile } from '../profiles/profile-store.js';
import { silentProgress } from '../progress.js';
import { down } from './down.js';

const profile = { name: 'p1' } as Profile;
const podHost: DockerHost = { driver: 'kube-pod', envId: 'e1', state: { namespace: 'ns', deployment: 'e1-abc' } };

/** A driver whose hosts are per environment, recording what `down` asks of it. */
const perEnvDriver = (found: DockerHost | undefined) => {
  const calls: string[] = [];
  const driver = {
    name: 'kube-pod',
    hostPerEnvironment: true,
    findHost: async ({ envId }: { envId: string }) => {
      calls.push(`find ${envId}`);
      return found;
    },
    removeHost: async (host: DockerHost) => {
      calls.push(`remove ${String(host.state.deployment)}`);
    },
    connect: async () => {
      throw new Error('down must not connect to a host it removes whole');
    },
  } as unknown as DockerHostDriver;
  return { driver, calls };
};

const memoryEnvs = (record: EnvRecord | undefined) => {
  let current = record;
  const store = {
    read: async () => current,
    update: async () => current!,
    remove: async () => {
      const had = current !== undefined;
      current = undefined;
      return had;
    },
  } as unknown as EnvRecordStore;
  return { store, left: () => current };
};

const deps = (envs: EnvRecordStore, driver: DockerHostDriver) => ({
  envs,
  profile,
  driver: async () => driver,
  progress: silentProgress,
  env: { PREEVY_HOME: mkdtempSync(join(tmpdir(), 'preevy-down-')) },
});

describe('down on a driver with a host per environment', () => {
  it('should remove the host the record kept, and the record', async () => {
    const { driver, calls } = perEnvDriver(undefined);
    const envs = memoryEnvs({ envId: 'e1', composeProject: 'e1', driver: 'kube-pod', status: 'up', urls: [], host: podHost } as unknown as EnvRecord);
    const res = await down('e1', deps(envs.store, driver));
    expect(calls).toEqual(['remove e1-abc']);
    expect(res).toMatchObject({ existed: true, host: true });
    expect(envs.left()).toBeUndefined();
  });

  it('should find the host by labels when this machine has no record (a fresh CI runner)', async () => {
    const { driver, calls } = perEnvDriver(podHost);
    const res = await down('e1', deps(memoryEnvs(undefined).store, driver));
    expect(calls).toEqual(['find e1', 'remove e1-abc']);
    expect(res.existed).toBe(true);
  });

  it('should say nothing existed when neither a record nor a host is there', async () => {
    const { driver, calls } = perEnvDriver(undefined);
    const res = await down('e1', deps(memoryEnvs(undefined).store, driver));
    expect(calls).toEqual(['find e1']);
    expect(res.existed).toBe(false);
  });

  it('should keep the record when the host cannot be removed, and forget it with --force, saying why', async () => {
    const unreachable = Object.assign(new Error('The Kubernetes API server did not answer (ECONNREFUSED)'), { code: 'KUBE_API_UNREACHABLE' });
    const broken = { ...perEnvDriver(undefined).driver, removeHost: async () => { throw unreachable; } } as unknown as DockerHostDriver;
    const record = { envId: 'e1', composeProject: 'e1', driver: 'kube-pod', status: 'up', urls: [], host: podHost } as unknown as EnvRecord;
    const kept = memoryEnvs(record);
    await expect(down('e1', deps(kept.store, broken))).rejects.toBe(unreachable);
    expect(kept.left()).toBeDefined();
    const forced = memoryEnvs(record);
    const res = await down('e1', { ...deps(forced.store, broken), force: true });
    expect(res).toMatchObject({ existed: true, forced: unreachable.message });
    expect(forced.left()).toBeUndefined();
  });
});
