import type { DriverResolver } from '../driver/docker-host-driver.js';
import { isPreevyError, PreevyError } from '../errors/preevy-error.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { Profile } from '../profiles/profile-store.js';
import type { ProgressReporter } from '../progress.js';
import { down, type DownResult } from './down.js';
import { listEnvironments, type EnvironmentEntry } from './list-environments.js';

export interface PurgeRequest {
  /** An environment whose last `up` is at least this old is removed. */
  olderThanMs: number;
  /** List what would be removed, remove nothing. */
  dryRun?: boolean;
}

export interface PurgeDeps {
  envs: EnvRecordStore;
  profile: Profile;
  driver: DriverResolver;
  progress: ProgressReporter;
  now?: () => Date;
  signal?: AbortSignal | undefined;
  /** How one environment goes; default: core's `down` through the environment's own driver. */
  remove?: (envId: string) => Promise<DownResult>;
}

export type PurgeCandidate = Pick<EnvironmentEntry, 'envId' | 'driver' | 'lastUpAt' | 'source'>;

export interface PurgeResult {
  /** Environments last brought up before this time are stale. */
  cutoff: string;
  dryRun: boolean;
  /** Removed, or with `dryRun` the ones that would be. */
  removed: PurgeCandidate[];
  failed: (PurgeCandidate & { error: { code: string; message: string } })[];
  /** Brought up since the cutoff. */
  kept: string[];
  /** Nothing says when they were last brought up: never removed by age. */
  undated: string[];
}

/**
 * `preevy purge`: removes the profile's environments whose last `up` is older than the cutoff
 * (pull requests whose `down` never ran), one at a time through each one's own driver. One that
 * fails is reported and the others still go.
 */
export const purge = async ({ olderThanMs, dryRun = false }: PurgeRequest, deps: PurgeDeps): Promise<PurgeResult> => {
  const now = (deps.now ?? (() => new Date()))();
  const cutoff = new Date(now.getTime() - olderThanMs);
  const entries = await listEnvironments({ envs: deps.envs, driver: await deps.driver({}), profileId: deps.profile.name });
  const stale = entries.filter((e) => e.lastUpAt !== undefined && Date.parse(e.lastUpAt) < cutoff.getTime());
  const result: PurgeResult = {
    cutoff: cutoff.toISOString(),
    dryRun,
    removed: [],
    failed: [],
    kept: entries.filter((e) => e.lastUpAt !== undefined && !stale.includes(e)).map((e) => e.envId),
    undated: entries.filter((e) => e.lastUpAt === undefined).map((e) => e.envId),
  };
  const remove = deps.remove ?? ((envId: string) => down(envId, { envs: deps.envs, profile: deps.profile, driver: deps.driver, progress: deps.progress, signal: deps.signal }));
  for (const entry of stale) {
    const candidate: PurgeCandidate = { envId: entry.envId, driver: entry.driver, source: entry.source, ...(entry.lastUpAt ? { lastUpAt: entry.lastUpAt } : {}) };
    if (dryRun) {
      result.removed.push(candidate);
      continue;
    }
    if (deps.signal?.aborted) {
      throw new PreevyError(`Interrupted: purge stopped after removing ${result.removed.length} environment(s)`, {
        code: 'INTERRUPTED',
        kind: 'interrupted',
        suggestions: ['Run the same `preevy purge` again: it goes on with what is left.'],
      });
    }
    try {
      await remove(entry.envId);
      result.removed.push(candidate);
    } catch (err) {
      // An interrupt stops the whole purge; any other failure is this environment's alone.
      if (isPreevyError(err) && err.kind === 'interrupted') throw err;
      const error = isPreevyError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
      result.failed.push({ ...candidate, error });
    }
  }
  return result;
};
