/** What the idle watch samples on each tick. */
export interface Activity {
  /** True while something still needs the server (for the embedded one: an environment record). */
  busy: boolean;
  /** The last time a client claimed the server (ms since epoch): it counts as activity too. */
  claimedAt?: number | undefined;
}

export interface WaitUntilIdleOptions {
  idleMs: number;
  pollMs: number;
  sample: () => Promise<Activity>;
  /**
   * Asked once the idle time has passed; true ends the wait. The caller re-checks under its own
   * lock there, so a client claiming the server at that very moment keeps it (false: keep waiting).
   */
  confirm: () => Promise<boolean>;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Resolves true once nothing has been busy for `idleMs` (counted from the start, the last busy
 * sample or the last claim, whichever is latest) and `confirm` agrees; false when `signal` aborts.
 * A failing sample counts as busy: never stop what an environment may still use.
 */
export const waitUntilIdle = async ({ idleMs, pollMs, sample, confirm, now = Date.now, sleep = abortableSleep, signal }: WaitUntilIdleOptions): Promise<boolean> => {
  let idleSince = now();
  for (;;) {
    await sleep(pollMs, signal);
    if (signal?.aborted) return false;
    const activity = await sample().catch((): Activity => ({ busy: true }));
    if (activity.busy) idleSince = now();
    else if (activity.claimedAt !== undefined) idleSince = Math.max(idleSince, activity.claimedAt);
    if (now() - idleSince < idleMs) continue;
    if (await confirm().catch(() => false)) return true;
    idleSince = now();
  }
};
