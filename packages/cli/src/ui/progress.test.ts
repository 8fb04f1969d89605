import { describe, expect, it } from 'vitest';
import { formatDuration } from './format-duration.js';
import { createProgress } from './progress.js';

const fakeClock = (): { now: () => number; advance: (ms: number) => void } => {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
};

describe('createProgress', () => {
  it('should print one plain line at the start and one at the end of a step when not interactive', async () => {
    const out: string[] = [];
    const clock = fakeClock();
    const progress = createProgress({ write: (s) => out.push(s), interactive: false, now: clock.now });
    const result = await progress.step('Starting services', async () => {
      clock.advance(1234);
      return 42;
    });
    expect(result).toBe(42);
    expect(out).toEqual(['Starting services ...\n', 'Starting services: done (1.2s)\n']);
    expect(out.join('')).not.toContain('\r');
    expect(out.join('')).not.toContain('\x1b');
  });

  it('should report a failed step and rethrow its error', async () => {
    const out: string[] = [];
    const progress = createProgress({ write: (s) => out.push(s), interactive: false, now: fakeClock().now });
    await expect(progress.step('Building', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(out.at(-1)).toBe('Building: failed (0ms)\n');
  });

  it('should animate one line on a terminal and stop its timer when the step ends', async () => {
    const out: string[] = [];
    const clock = fakeClock();
    let tick: (() => void) | undefined;
    let cleared = false;
    const progress = createProgress({
      write: (s) => out.push(s),
      interactive: true,
      now: clock.now,
      setInterval: (fn) => ((tick = fn), {}),
      clearInterval: () => void (cleared = true),
    });
    await progress.step('Waiting for tunnels', async () => {
      clock.advance(500);
      tick?.();
      clock.advance(600);
    });
    expect(cleared).toBe(true);
    expect(out[0]).toBe('\r\x1b[2K⠋ Waiting for tunnels (0ms)');
    expect(out[1]).toBe('\r\x1b[2K⠙ Waiting for tunnels (500ms)');
    expect(out.at(-1)).toBe('\r\x1b[2K✔ Waiting for tunnels (1.1s)\n');
  });

  it('should print nested steps as plain lines so they do not fight over the spinner line', async () => {
    const out: string[] = [];
    const progress = createProgress({ write: (s) => out.push(s), interactive: true, now: fakeClock().now, setInterval: () => ({}), clearInterval: () => {} });
    await progress.step('outer', () => progress.step('inner', async () => {}));
    expect(out).toContain('inner ...\n');
    expect(out).toContain('inner: done (0ms)\n');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [999.4, '999ms'],
    [1000, '1.0s'],
    [59_940, '59.9s'],
    [65_000, '1m05s'],
  ])('should format %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
