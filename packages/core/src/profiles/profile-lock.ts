import lockfile from 'proper-lockfile';
import { PreevyError } from '../errors/index.js';

/** Takes an exclusive cross-process lock on `path` and resolves with its release function. */
export type LockFn = (path: string) => Promise<() => Promise<void>>;

// Enough patience for a few concurrent CI jobs on one profile (each mutation holds the lock for
// milliseconds), short enough that a truly stuck lock is reported within about half a minute.
const RETRIES = { retries: 120, factor: 1.2, minTimeout: 10, maxTimeout: 250, randomize: true };
// A crashed holder's lock is taken over after this long (proper-lockfile refreshes live locks).
const STALE_MS = 10_000;

/** The production lock: proper-lockfile (a `<path>.lock` directory, atomic on every file system). */
export const properLock: LockFn = async (path) => {
  let compromised: Error | undefined;
  const release = await lockfile
    .lock(path, {
      realpath: false, // the profile directory may not exist yet (create, import)
      stale: STALE_MS,
      retries: RETRIES,
      // The default throws from a timer, crashing the process; report it after the critical section instead.
      onCompromised: (err) => {
        compromised = err;
      },
    })
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ELOCKED') throw err;
      throw new PreevyError(`Another preevy command is still changing ${path}.`, {
        code: 'PROFILE_LOCKED',
        kind: 'unavailable',
        suggestions: ['Wait for the other command to finish, then retry.', `If no preevy command is running, remove the stale lock directory ${path}.lock.`],
        cause: err,
      });
    });
  return async () => {
    await release().catch(() => undefined);
    if (compromised) {
      throw new PreevyError(`The lock on ${path} was lost while changing it.`, {
        code: 'PROFILE_LOCK_LOST',
        kind: 'conflict',
        suggestions: ['Another process may have changed the profile at the same time: check it with `preevy profile config view`, then retry.'],
        cause: compromised,
      });
    }
  };
};

/** Runs `fn` while holding the lock on `path`, releasing it however `fn` ends. */
export const withLock = async <T>(lock: LockFn, path: string, fn: () => Promise<T>): Promise<T> => {
  const release = await lock(path);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
  await release();
  return result;
};
