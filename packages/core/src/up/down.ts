import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DockerHost, DockerHostDriver, DriverResolver } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import { LABELS } from '@preevy/tunnel-protocol';
import { preevyHome } from '../paths.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { EnvRecord } from '../profiles/profile-schema.js';
import type { Profile } from '../profiles/profile-store.js';
import type { ProcessRunner } from '../process/process-runner.js';
import type { ProgressReporter } from '../progress.js';
import { dockerCli } from './agent-state-reader.js';
import { dockerProcessRunner } from '../process/compose-plugin.js';

export interface DownResult {
  envId: string;
  removed: { containers: number; volumes: number; networks: number };
  /** False when nothing was there: `down` is idempotent. */
  existed: boolean;
  /** With --force: why the Docker resources could not be removed (only the record was). */
  forced?: string;
  /** True when the environment's own host (a pod, a VM) was removed with everything on it. */
  host?: boolean;
}

export interface DownDeps {
  envs: EnvRecordStore;
  profile: Profile;
  /** Called with the driver the environment was recorded with (none: the command's choice). */
  driver: DriverResolver;
  progress: ProgressReporter;
  run?: ProcessRunner;
  env?: NodeJS.ProcessEnv;
  force?: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * `preevy down`: on a host of its own (a pod, a VM) the environment goes with its host; on a
 * shared engine, compose down for the project, then a sweep of anything still carrying the
 * environment's label (a half-finished `up` leaves such things). Then the work files and the record.
 */
export const down = async (envId: string, deps: DownDeps): Promise<DownResult> => {
  const record = await deps.envs.read(envId);
  const driver = await deps.driver({ recorded: record?.driver });
  try {
    // A fresh CI runner has no record: a driver with hosts of their own finds it by labels.
    const host = record?.host ?? (driver.hostPerEnvironment ? await driver.findHost({ profileId: deps.profile.name, envId }) : undefined);
    if (driver.hostPerEnvironment) return await removeHost(envId, record, host, driver, deps);
    return await removeEnvironment(envId, record, host, driver, deps);
  } catch (err) {
    if (!deps.force) throw err;
    // --force: the host is gone or broken; forget the environment so `ls` stops showing it.
    await rm(join(preevyHome(deps.env), 'work', deps.profile.name, envId), { recursive: true, force: true });
    const existed = await deps.envs.remove(envId);
    return { envId, removed: { containers: 0, volumes: 0, networks: 0 }, existed, forced: (err as Error).message };
  }
};

const forget = async (envId: string, { envs, profile, env }: DownDeps): Promise<void> => {
  await rm(join(preevyHome(env), 'work', profile.name, envId), { recursive: true, force: true });
  await envs.remove(envId);
};

const markDeleting = (envId: string, project: string, driver: DockerHostDriver, envs: EnvRecordStore) =>
  envs.update(envId, (prev) => ({ envId, composeProject: project, driver: driver.name, status: 'deleting', urls: prev?.urls ?? [] })).catch(() => undefined);

const removeHost = async (envId: string, record: EnvRecord | undefined, host: DockerHost | undefined, driver: DockerHostDriver, deps: DownDeps): Promise<DownResult> => {
  await deps.progress.step(`Removing ${envId} and its ${driver.name} host`, async () => {
    if (record) await markDeleting(envId, record.composeProject, driver, deps.envs);
    if (host) await driver.removeHost(host, { signal: deps.signal });
    await forget(envId, deps);
  });
  return { envId, removed: { containers: 0, volumes: 0, networks: 0 }, existed: record !== undefined || host !== undefined, ...(host ? { host: true } : {}) };
};

const removeEnvironment = async (envId: string, record: EnvRecord | undefined, host: DockerHost | undefined, driver: DockerHostDriver, deps: DownDeps): Promise<DownResult> => {
  const { envs, profile, progress, run = dockerProcessRunner } = deps;
  const project = record?.composeProject ?? envId;
  await using conn = await driver.connect(host ?? { driver: driver.name, envId, state: {} });
  const docker = dockerCli(run, conn.dockerHost);
  const filter = ['--filter', `label=${LABELS.envId}=${envId}`, '--filter', `label=${LABELS.profile}=${profile.name}`];
  const list = async (kind: 'container' | 'volume' | 'network'): Promise<string[]> => {
    const res = await docker([kind, 'ls', ...(kind === 'container' ? ['--all'] : []), '--quiet', ...filter]);
    if (res.exitCode !== 0) {
      throw new PreevyError(`Could not list the environment's ${kind}s`, { code: 'DOCKER_UNREACHABLE', kind: 'unavailable', suggestions: ['Check that the Docker host answers.'], cause: new Error(res.stderr.trim()) });
    }
    return res.stdout.split('\n').filter(Boolean);
  };
  const before = { containers: (await list('container')).length, volumes: (await list('volume')).length, networks: (await list('network')).length };
  await progress.step(`Removing ${envId}`, async () => {
    await markDeleting(envId, project, driver, envs);
    // --rmi local: images built for this environment are garbage once it is gone.
    await docker(['compose', '-p', project, 'down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '5']);
    // Whatever compose did not know about (an interrupted up, a renamed project) goes by label.
    const containers = await list('container');
    if (containers.length) await docker(['rm', '--force', '--volumes', ...containers]);
    const networks = await list('network');
    if (networks.length) await docker(['network', 'rm', ...networks]);
    const volumes = await list('volume');
    if (volumes.length) await docker(['volume', 'rm', '--force', ...volumes]);
    const left = [...(await list('container')), ...(await list('network')), ...(await list('volume'))];
    if (left.length) {
      throw new PreevyError(`Some resources of ${envId} could not be removed: ${left.join(', ')}`, { code: 'DOWN_INCOMPLETE', kind: 'unavailable', suggestions: ['Run `preevy down` again, or remove them with docker.'] });
    }
    await forget(envId, deps);
  });
  return { envId, removed: before, existed: record !== undefined || before.containers + before.volumes + before.networks > 0 };
};
