import { describe, expect, it } from 'vitest';
import { formatAge, parseAge } from './age.js';

describe('parseAge', () => {
  it('should read minutes, hours, days and weeks', () => {
    expect([parseAge('30m'), parseAge('12h'), parseAge('7d'), parseAge(' 2w ')]).toEqual([1_800_000, 43_200_000, 604_800_000, 1_209_600_000]);
  });

  it.each(['7', 'd', '7days', '-1d', '1.5d', '0d', ''])('should refuse %j as a usage error that shows the form', (text) => {
    expect(() => parseAge(text)).toThrow(expect.objectContaining({ code: 'AGE_INVALID', kind: 'usage', suggestions: [expect.stringContaining('--older-than 7d')] }));
  });
});

describe('formatAge', () => {
  const now = new Date('2026-12-10T12:00:00.000Z');
  it('should say the age in its largest whole unit', () => {
    expect(formatAge('2026-12-10T11:15:00.000Z', now)).toBe('45m');
    expect(formatAge('2026-12-10T06:59:00.000Z', now)).toBe('5h');
    expect(formatAge('2026-12-07T11:00:00.000Z', now)).toBe('3d');
    expect(formatAge('2026-12-10T11:59:30.000Z', now)).toBe('<1m');
    expect(formatAge(undefined, now)).toBe('-');
  });
});
