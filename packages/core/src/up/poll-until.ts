/** The side effects of polling, injected so tests run without real time. */
export interface PollClock {
  /** Milliseconds on any monotonic-enough scale; `deadline` is on the same scale. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface PollOptions {
  /** Checked before every attempt: polling never outlives the user's Ctrl-C. */
  signal?: AbortSignal | undefined;
  /** After this instant (on `clock.now`'s scale) no new attempt starts. */
  deadline: number;
  /** Thrown when `signal` is aborted; the caller knows what was left half-done. */
  interrupted: () => Error;
  intervalMs?: number;
}

export type PollOutcome<T> = { good: true; value: T } | { good: false; last: T };

/** Real time: `performance.now()` (no wall-clock jumps) and a timer. */
export const realClock: PollClock = Object.freeze({
  now: () => performance.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
});

/**
 * A poller over one clock: `poll(attempt, isGood, options)` calls `attempt` until `isGood`
 * accepts a value (that value is returned), the deadline passes (the last value is returned,
 * for the caller to explain) or the signal aborts (`interrupted()` is thrown). One attempt always
 * runs, so a result that is already good costs no wait.
 */
export const pollUntil =
  (clock: PollClock = realClock) =>
  async <T>(attempt: () => Promise<T>, isGood: (value: T) => boolean, { signal, deadline, interrupted, intervalMs = 250 }: PollOptions): Promise<PollOutcome<T>> => {
    for (;;) {
      if (signal?.aborted) throw interrupted();
      const value = await attempt();
      if (isGood(value)) return { good: true, value };
      if (clock.now() >= deadline) return { good: false, last: value };
      await clock.sleep(intervalMs);
    }
  };

export type Poll = ReturnType<typeof pollUntil>;
