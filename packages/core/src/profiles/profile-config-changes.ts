import type { z } from 'zod';
import { PreevyError } from '../errors/index.js';
import { profileConfigSchema, type ProfileConfig } from './profile-schema.js';
import type { CreateProfileInput, ProfileUpdate } from './profile-store.js';
import { canonicalTunnelHostKey, tunnelHostKeyChanged, tunnelHostKeyMatches } from './tunnel-host-key.js';
import { zodProblems } from './zod-problems.js';

// The settings changes every store applies the same way; the stores differ only in how they
// read and write (a local lock, or conditional writes of an object).

/** The driver of a profile created without one. */
export const DEFAULT_DRIVER = 'docker';

const invalidSettings = (error: z.ZodError): PreevyError =>
  new PreevyError(`Invalid profile settings: ${zodProblems(error).join('; ')}.`, {
    code: 'PROFILE_SETTINGS_INVALID',
    kind: 'invalid-input',
    suggestions: ['See `preevy profile create --help` for the accepted values.'],
  });

/** `value` checked against the profile settings schema; PROFILE_SETTINGS_INVALID otherwise. */
export const validProfileConfig = (value: unknown): ProfileConfig => {
  const parsed = profileConfigSchema.safeParse(value);
  if (!parsed.success) throw invalidSettings(parsed.error);
  return parsed.data;
};

/** The settings of a new profile. */
export const newProfileConfig = (input: Omit<CreateProfileInput, 'use' | 'name'>, now: Date): ProfileConfig => {
  const at = now.toISOString();
  return validProfileConfig({
    version: 1,
    driver: input.driver ?? DEFAULT_DRIVER,
    driverOptions: input.driverOptions ?? {},
    ...(input.tunnelUrl === undefined ? {} : { tunnelUrl: input.tunnelUrl }),
    ...(input.tunnelHostKey === undefined ? {} : { tunnelHostKey: canonicalTunnelHostKey(input.tunnelHostKey) }),
    createdAt: at,
    updatedAt: at,
  });
};

/** Checks an update's own values up front, so bad input is refused before anything is read or written. */
export const checkedProfileUpdate = (update: ProfileUpdate): ProfileUpdate =>
  typeof update.tunnelHostKey === 'string' ? { ...update, tunnelHostKey: canonicalTunnelHostKey(update.tunnelHostKey) } : update;

/** `config` with `update` applied (see ProfileUpdate for the rules). */
export const updatedProfileConfig = (config: ProfileConfig, update: ProfileUpdate, now: Date): ProfileConfig => {
  const newPin = typeof update.tunnelHostKey === 'string' ? canonicalTunnelHostKey(update.tunnelHostKey) : update.tunnelHostKey;
  const driverChanged = update.driver !== undefined && update.driver !== config.driver;
  const driverOptions = { ...(driverChanged ? {} : config.driverOptions), ...update.driverOptions };
  for (const key of update.unsetDriverOptions ?? []) delete driverOptions[key];
  const { tunnelUrl: previousUrl, tunnelHostKey: previousPin, ...rest } = config;
  const tunnelUrl = update.tunnelUrl === null ? undefined : (update.tunnelUrl ?? previousUrl);
  // A pin belongs to the server it was taken from: another URL starts unpinned unless a key comes with it.
  const tunnelHostKey = newPin === null ? undefined : (newPin ?? (tunnelUrl === previousUrl ? previousPin : undefined));
  return validProfileConfig({
    ...rest,
    driver: update.driver ?? config.driver,
    driverOptions,
    ...(tunnelUrl === undefined ? {} : { tunnelUrl }),
    ...(tunnelHostKey === undefined ? {} : { tunnelHostKey }),
    updatedAt: now.toISOString(),
  });
};

/**
 * Trust on first use: the settings with `seen.hostKey` pinned, or undefined when that key is
 * already the pinned one. Throws TUNNEL_URL_CHANGED or TUNNEL_HOST_KEY_CHANGED (nothing to write).
 */
export const pinnedProfileConfig = (
  name: string,
  config: ProfileConfig,
  { tunnelUrl, hostKey, forProject = false }: { tunnelUrl: string; hostKey: string; forProject?: boolean },
  now: Date,
): ProfileConfig | undefined => {
  const presented = canonicalTunnelHostKey(hostKey);
  if (!forProject && config.tunnelUrl !== tunnelUrl) {
    throw new PreevyError(`The tunnel URL of profile "${name}" changed while this command talked to ${tunnelUrl}.`, {
      code: 'TUNNEL_URL_CHANGED',
      kind: 'conflict',
      suggestions: ['Check the profile with `preevy profile config view`, then run the command again.'],
    });
  }
  // Another command may have pinned a key since this one read the profile: re-reading under the lock (or the conditional write) makes that visible.
  const known = forProject ? config.projectTunnelHostKeys?.[tunnelUrl] : config.tunnelHostKey;
  if (known !== undefined) {
    if (tunnelHostKeyMatches(known, presented)) return undefined;
    throw tunnelHostKeyChanged({ profile: name, tunnelUrl, pinned: known, presented, forProject });
  }
  const withPin = forProject ? { ...config, projectTunnelHostKeys: { ...config.projectTunnelHostKeys, [tunnelUrl]: presented } } : { ...config, tunnelHostKey: presented };
  return validProfileConfig({ ...withPin, updatedAt: now.toISOString() });
};
