import { expect } from 'vitest';
import { silentLogger } from '../logger.js';
import { silentProgress } from '../progress.js';
import { pollUntil, type PollClock } from '../up/poll-until.js';
import { interruptedError, type UpContext, type UpTarget } from '../up/up-context.js';

// For unit tests of up's steps: a context of fakes that fail on any use a test did not give.

/** A clock where time moves only when a step sleeps. */
export const fakeClock = (): PollClock => {
  let t = 0;
  return { now: () => t, sleep: async (ms) => void (t += ms) };
};

export const testTarget = (envId = 'shop-main'): UpTarget => ({ envId, project: envId, labels: {}, stopIfInterrupted: () => {}, interrupted: () => interruptedError(envId) });

export const testUpContext = (over: Partial<UpContext> = {}, clock: PollClock = fakeClock()): UpContext => ({
  request: { compose: {} },
  store: {} as UpContext['store'],
  profile: {} as UpContext['profile'],
  driver: {} as UpContext['driver'],
  driverOptionTypes: {},
  progress: silentProgress,
  logger: silentLogger,
  run: async () => expect.fail('unexpected run'),
  pipe: async () => expect.fail('unexpected pipe'),
  env: {},
  clock,
  poll: pollUntil(clock),
  ...over,
});
