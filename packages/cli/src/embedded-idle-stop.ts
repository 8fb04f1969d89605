import { rm } from 'node:fs/promises';
import { properLock, type EnvRecordStore, type ProfileStore } from '@preevy/core';

/** What the idle watch reads: the profiles of the home and each one's environment records. */
type HomeEnvironments = Pick<ProfileStore, 'list'> & { envs(profile: string): Pick<EnvRecordStore, 'list'> };
import { embeddedClaimedAt, embeddedPaths, readEmbeddedState } from './embedded-tunnel-server.js';
import { waitUntilIdle, type Activity } from './wait-until-idle.js';

/**
 * True while any profile of the home has an environment record that is not `deleted`: the store
 * is the source of truth for what may still publish through this home's server. A profile that
 * cannot be read counts as having environments.
 */
export const homeHasEnvironments = async (store: HomeEnvironments): Promise<boolean> => {
  for (const entry of await store.list()) {
    if (entry.problem) return true;
    if ((await store.envs(entry.name).list()).some((e) => e.status !== 'deleted')) return true;
  }
  return false;
};

export interface EmbeddedIdleStopOptions {
  home: string;
  store: HomeEnvironments;
  idleMs: number;
  /** This server's pid: only its own state file is removed. */
  pid: number;
  signal?: AbortSignal;
}

/**
 * Resolves true when the home has had no environment (and no `up` claimed the server) for
 * `idleMs`; by then the state file is gone, so the next `up` starts a fresh server instead of
 * reusing this one while it drains.
 */
export const waitUntilHomeIdle = ({ home, store, idleMs, pid, signal }: EmbeddedIdleStopOptions): Promise<boolean> => {
  const sample = async (): Promise<Activity> => ({ busy: await homeHasEnvironments(store), claimedAt: await embeddedClaimedAt(home) });
  const { dir, stateFile } = embeddedPaths(home);
  // Under the lock `up` takes to reuse the server: either `up` claims it first, or it finds no state.
  const confirm = async (): Promise<boolean> => {
    const release = await properLock(dir);
    try {
      const now = await sample();
      if (now.busy || (now.claimedAt !== undefined && Date.now() - now.claimedAt < idleMs)) return false;
      if ((await readEmbeddedState(home))?.pid === pid) await rm(stateFile, { force: true });
      return true;
    } finally {
      await release();
    }
  };
  // Often enough that it stops close to the idle time, rarely enough to cost nothing.
  const pollMs = Math.min(30_000, Math.max(200, Math.floor(idleMs / 5)));
  return waitUntilIdle({ idleMs, pollMs, sample, confirm, ...(signal ? { signal } : {}) });
};
