import { describe, expect, it } from 'vitest';
import { pollUntil, type PollClock } from './poll-until.js';

/** A clock that only moves when the poller sleeps. */
const fakeClock = (): PollClock & { slept: number[] } => {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
};
const interrupted = () => Object.assign(new Error('Interrupted'), { code: 'INTERRUPTED' });

describe('pollUntil', () => {
  it('should return the first good value without waiting when the first attempt is good', async () => {
    const clock = fakeClock();
    const out = await pollUntil(clock)(async () => 'ready', (v) => v === 'ready', { deadline: 1_000, interrupted });
    expect(out).toEqual({ good: true, value: 'ready' });
    expect(clock.slept).toEqual([]);
  });

  it('should keep polling every interval and return the first good value', async () => {
    const clock = fakeClock();
    const values = [1, 2, 3, 4];
    let calls = 0;
    const out = await pollUntil(clock)(async () => values[calls++]!, (v) => v >= 3, { deadline: 10_000, interrupted, intervalMs: 100 });
    expect(out).toEqual({ good: true, value: 3 });
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([100, 100]);
  });

  it('should stop at the deadline and hand back the last value for the caller to explain', async () => {
    const clock = fakeClock();
    let calls = 0;
    const out = await pollUntil(clock)(async () => ++calls, () => false, { deadline: 1_000, interrupted, intervalMs: 250 });
    expect(out).toEqual({ good: false, last: 5 });
    expect(clock.now()).toBe(1_000);
  });

  it('should throw the interrupted error, without another attempt, once the signal aborts', async () => {
    const clock = fakeClock();
    const ctrl = new AbortController();
    let calls = 0;
    const polling = pollUntil(clock)(
      async () => {
        if (++calls === 2) ctrl.abort();
        return calls;
      },
      () => false,
      { signal: ctrl.signal, deadline: 60_000, interrupted },
    );
    await expect(polling).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(calls).toBe(2);
  });

  it('should not attempt at all when already interrupted', async () => {
    let calls = 0;
    const polling = pollUntil(fakeClock())(async () => ++calls, () => true, { signal: AbortSignal.abort(), deadline: 60_000, interrupted });
    await expect(polling).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(calls).toBe(0);
  });
});
