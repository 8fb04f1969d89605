import type { DriverResolver } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { EnvUrl } from '../profiles/profile-schema.js';
import type { Profile } from '../profiles/profile-store.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { dockerCli, readAgentState } from './agent-state-reader.js';
import { dockerProcessRunner } from '../process/compose-plugin.js';

export interface EnvUrlsDeps {
  envs: EnvRecordStore;
  profile: Profile;
  /** Called with the driver the environment was recorded with (none: the command's choice). */
  driver: DriverResolver;
  run?: ProcessRunner;
}

export interface EnvUrlsResult {
  urls: EnvUrl[];
  /** `record`: this machine's env record; `agent`: asked of the agent on the host (no record here). */
  source: 'record' | 'agent';
}

const notFound = (envId: string, profile: string, why: string) =>
  new PreevyError(`No environment ${envId} in profile ${profile} (${why})`, {
    code: 'ENV_NOT_FOUND',
    kind: 'not-found',
    suggestions: ['List environments with `preevy ls`.', 'On another machine than the one that ran `up`, pass the same `--driver` and profile.'],
  });

/**
 * The URLs of an environment: from its record, else (a fresh CI runner, another laptop) from the
 * agent on its host, which the driver finds by labels: the tunnels it has open are the URLs.
 */
export const envUrls = async (envId: string, { envs, profile, driver: resolve, run = dockerProcessRunner }: EnvUrlsDeps): Promise<EnvUrlsResult> => {
  const record = await envs.read(envId);
  if (record) return { urls: record.urls, source: 'record' };
  const driver = await resolve({ recorded: undefined });
  const host = driver.hostPerEnvironment ? await driver.findHost({ profileId: profile.name, envId }) : undefined;
  if (driver.hostPerEnvironment && !host) throw notFound(envId, profile.name, `no ${driver.name} host carries its labels`);
  await using conn = await driver.connect(host ?? { driver: driver.name, envId, state: {} });
  const state = await readAgentState(dockerCli(run, conn.dockerHost), envId);
  if ('error' in state) throw notFound(envId, profile.name, `no record here, and its agent answers: ${state.error}`);
  const urls = state.tunnels.flatMap((t) => (t.state === 'active' && t.url ? [{ service: t.service, port: t.port, url: t.url }] : []));
  return { urls: urls.sort((a, b) => a.service.localeCompare(b.service) || a.port - b.port), source: 'agent' };
};
