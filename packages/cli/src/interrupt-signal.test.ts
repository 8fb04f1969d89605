import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { withInterruptSignal } from './interrupt-signal.js';

describe('withInterruptSignal', () => {
  it('should abort the signal on SIGINT and stop listening once done', async () => {
    const proc = new EventEmitter();
    const aborted = await withInterruptSignal(async (signal) => {
      proc.emit('SIGINT');
      return signal.aborted;
    }, proc as unknown as NodeJS.Process);
    expect(aborted).toBe(true);
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });

  it('should leave the signal alone without SIGINT', async () => {
    const proc = new EventEmitter();
    expect(await withInterruptSignal(async (signal) => signal.aborted, proc as unknown as NodeJS.Process)).toBe(false);
  });
});
