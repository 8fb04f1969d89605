import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DockerHostDriver } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import { LABELS } from '@preevy/tunnel-protocol';
import { preevyHome } from '../paths.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { Profile } from '../profiles/profile-store.js';
import { execFileRunner, type ProcessRunner } from '../process/process-runner.js';
import type { ProgressReporter } from '../progress.js';
import { dockerCli } from './agent-state-reader.js';

export interface DownResult {
  envId: string;
  removed: { containers: number; volumes: number; networks: number };
  /** False when nothing was there: `down` is idempotent. */
  existed: boolean;
  /** With --force: why the Docker resources could not be removed (only the record was). */
  forced?: string;
}

/**
 * `preevy down`: compose down for the project, then a sweep of anything still carrying the
 * environment's label (a half-finished `up` leaves such things), the work files and the record.
 */
export const down = async (
  envId: string,
  deps: { envs: EnvRecordStore; profile: Profile; driver: DockerHostDriver; progress: ProgressReporter; run?: ProcessRunner; env?: NodeJS.ProcessEnv; force?: boolean },
): Promise<DownResult> => {
  try {
    return await removeEnvironment(envId, deps);
  } catch (err) {
    if (!deps.force) throw err;
    // --force: the host is gone or broken; forget the environment so `ls` stops showing it.
    await rm(join(preevyHome(deps.env), 'work', deps.profile.name, envId), { recursive: true, force: true });
    const existed = await deps.envs.remove(envId);
    return { envId, removed: { containers: 0, volumes: 0, networks: 0 }, existed, forced: (err as Error).message };
  }
};

const removeEnvironment = async (
  envId: string,
  { envs, profile, driver, progress, run = execFileRunner, env = process.env }: { envs: EnvRecordStore; profile: Profile; driver: DockerHostDriver; progress: ProgressReporter; run?: ProcessRunner; env?: NodeJS.ProcessEnv },
): Promise<DownResult> => {
  const record = await envs.read(envId);
  const project = record?.composeProject ?? envId;
  await using conn = await driver.connect({ driver: driver.name, envId, state: {} });
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
    await envs.update(envId, (prev) => ({ envId, composeProject: project, driver: driver.name, status: 'deleting', urls: prev?.urls ?? [] })).catch(() => undefined);
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
    await rm(join(preevyHome(env), 'work', profile.name, envId), { recursive: true, force: true });
    await envs.remove(envId);
  });
  return { envId, removed: before, existed: record !== undefined || before.containers + before.volumes + before.networks > 0 };
};
