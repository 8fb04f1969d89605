import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

describe('backoffCeiling', () => {
  it('should start at the base and double with every attempt', () => {
    expect([0, 1, 2, 3].map((a) => backoffCeiling(a))).toEqual([250, 500, 1000, 2000]);
  });

  it('should never exceed the cap, even after a very long outage', () => {
    expect(backoffCeiling(6)).toBe(DEFAULT_BACKOFF.capMs);
    expect(backoffCeiling(10_000)).toBe(DEFAULT_BACKOFF.capMs);
    expect(Number.isFinite(backoffCeiling(Number.MAX_SAFE_INTEGER))).toBe(true);
  });

  it('should honour custom base and cap', () => {
    expect(backoffCeiling(0, { baseMs: 100, capMs: 300 })).toBe(100);
    expect(backoffCeiling(5, { baseMs: 100, capMs: 300 })).toBe(300);
  });
});

describe('backoffDelay', () => {
  it('should be zero when the random source returns zero', () => {
    expect(backoffDelay(4, DEFAULT_BACKOFF, () => 0)).toBe(0);
  });

  it('should scale the ceiling by the random source (full jitter)', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0.5)).toBe(500);
    expect(backoffDelay(20, DEFAULT_BACKOFF, () => 0.5)).toBe(7500);
  });

  it('should stay below the ceiling for a random source at its upper end', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999_999_999)).toBeLessThan(2000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 1)).toBeLessThan(2000);
  });

  it('should stay within [0, ceiling) for many draws of the real random source', () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      for (let i = 0; i < 200; i += 1) {
        const d = backoffDelay(attempt);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(backoffCeiling(attempt));
      }
    }
  });
});
