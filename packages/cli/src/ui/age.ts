import { PreevyError } from '@preevy/core';

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `30m`, `12h`, `7d`, `2w` in milliseconds; anything else is AGE_INVALID with the accepted forms. */
export const parseAge = (text: string, flag = '--older-than'): number => {
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) {
    throw new PreevyError(`${flag} ${JSON.stringify(text)} is not an age`, {
      code: 'AGE_INVALID',
      kind: 'usage',
      suggestions: [`Give a positive whole number and a unit: s (seconds), m (minutes), h (hours), d (days) or w (weeks), e.g. ${flag} 7d.`],
    });
  }
  return Number(m[1]) * UNITS[m[2]!]!;
};

/** `<1m`, `45m`, `5h`, `3d`: how long ago, in its largest whole unit; `-` when unknown. */
export const formatAge = (since: string | undefined, now: Date): string => {
  if (!since) return '-';
  const ms = Math.max(0, now.getTime() - Date.parse(since));
  if (ms < 60_000) return '<1m';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h`;
  return `${Math.floor(ms / 86_400_000)}d`;
};
