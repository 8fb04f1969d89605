import { describe, expect, it } from 'vitest';
import type { EnvRecord, ProfileListEntry } from '@preevy/core';
import { homeHasEnvironments } from './embedded-idle-stop.js';
import { EMBEDDED_IDLE_ENV, embeddedIdleMs } from './embedded-idle-time.js';

const storeWith = (profiles: Record<string, Array<EnvRecord['status']>>, problems: string[] = []) => ({
  list: () => Promise.resolve<ProfileListEntry[]>([...Object.keys(profiles), ...problems].map((name) => ({ name, current: false, ...(problems.includes(name) ? { problem: 'unreadable' } : {}) }))),
  envs: (name: string) => ({ list: () => Promise.resolve((profiles[name] ?? []).map((status, i) => ({ envId: `e${i}`, status }) as EnvRecord)) }),
});

describe('homeHasEnvironments', () => {
  it('should be false for a home without profiles or records', async () => {
    expect(await homeHasEnvironments(storeWith({}))).toBe(false);
    expect(await homeHasEnvironments(storeWith({ default: [] }))).toBe(false);
  });

  it('should see a record in any profile of the home, whatever its status but deleted', async () => {
    expect(await homeHasEnvironments(storeWith({ default: [], ci: ['failed'] }))).toBe(true);
    expect(await homeHasEnvironments(storeWith({ default: ['provisioning'] }))).toBe(true);
    expect(await homeHasEnvironments(storeWith({ default: ['deleted'] }))).toBe(false);
  });

  it('should count an unreadable profile as having environments (never stop what one may use)', async () => {
    expect(await homeHasEnvironments(storeWith({ default: [] }, ['broken']))).toBe(true);
  });
});

describe('embeddedIdleMs', () => {
  it('should default to 10 minutes and read fractional seconds', () => {
    expect(embeddedIdleMs({})).toBe(600_000);
    expect(embeddedIdleMs({ [EMBEDDED_IDLE_ENV]: '1.5' })).toBe(1_500);
  });

  it('should refuse a value that is not a positive number, with a remedy', () => {
    for (const bad of ['0', '-3', 'ten']) {
      expect(() => embeddedIdleMs({ [EMBEDDED_IDLE_ENV]: bad })).toThrow(expect.objectContaining({ code: 'TUNNEL_SERVER_CONFIG', suggestions: [expect.stringContaining('Unset it')] }));
    }
  });
});
