import { describe, expect, it } from 'vitest';
import { waitUntilIdle, type Activity } from './wait-until-idle.js';

/** A fake clock: each sleep advances it, so the test runs in microseconds. */
const clock = () => {
  let t = 0;
  return { now: () => t, sleep: (ms: number) => Promise.resolve(void (t += ms)) };
};

const run = async (samples: Array<(t: number) => Activity>, { idleMs = 10, confirm = () => Promise.resolve(true) } = {}) => {
  const c = clock();
  let i = 0;
  const stopped = await waitUntilIdle({ idleMs, pollMs: 1, now: c.now, sleep: c.sleep, confirm, sample: () => Promise.resolve((samples[i++] ?? samples.at(-1)!)(c.now())) });
  return { stopped, at: c.now() };
};

describe('waitUntilIdle', () => {
  it('should stop once nothing has been busy for the idle time', async () => {
    expect(await run([() => ({ busy: false })])).toEqual({ stopped: true, at: 10 });
  });

  it('should restart the idle time after every busy sample (an environment exists)', async () => {
    const busyUntil5 = (t: number): Activity => ({ busy: t <= 5 });
    expect(await run([busyUntil5])).toEqual({ stopped: true, at: 15 });
  });

  it('should count a claim (an `up` reusing the server) as activity', async () => {
    expect(await run([() => ({ busy: false, claimedAt: 7 })])).toEqual({ stopped: true, at: 17 });
  });

  it('should treat a failing sample as busy, never stopping on an unreadable store', async () => {
    const c = clock();
    let calls = 0;
    const stopped = await waitUntilIdle({
      idleMs: 10,
      pollMs: 1,
      ...c,
      confirm: () => Promise.resolve(true),
      sample: () => (++calls <= 20 ? Promise.reject(new Error('corrupt record')) : Promise.resolve({ busy: false })),
    });
    expect({ stopped, at: c.now() }).toEqual({ stopped: true, at: 30 });
  });

  it('should keep waiting when the last check under the lock finds a new claim', async () => {
    let asked = 0;
    const res = await run([() => ({ busy: false })], { confirm: () => Promise.resolve(++asked > 1) });
    expect(res).toEqual({ stopped: true, at: 20 });
  });

  it('should end without stopping when its signal aborts', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const stopped = await waitUntilIdle({ idleMs: 10, pollMs: 1, signal: ctl.signal, sleep: () => Promise.resolve(), confirm: () => Promise.resolve(true), sample: () => Promise.resolve({ busy: false }) });
    expect(stopped).toBe(false);
  });
});
