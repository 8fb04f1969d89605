import { Flags } from '@oclif/core';
import { chooseDriver, PreevyError, resolveDriverOptions, type DriverContext, type DriverOptionDescriptor, type DriverResolver, type Profile, type ProfileStore } from '@preevy/core';
import { DRIVERS, driverEntry } from './registry.js';

const helpGroup = 'DRIVER';

/** `--<driver>-<option>`: the one spelling of a driver option on the command line. */
export const driverFlagName = (driver: string, option: string): string => `${driver}-${option}`;

const flagOf = (driver: string, d: DriverOptionDescriptor) => {
  // The environment variable is read by core with the other layers (env < flag), so oclif is not told about it.
  const description = `${d.description}${d.env ? ` [env: ${d.env}]` : ''}`;
  const group = `${helpGroup} ${driver}`;
  return d.type === 'boolean' ? Flags.boolean({ description, helpGroup: group, allowNo: true }) : Flags.string({ description, helpGroup: group });
};

/** Every driver's options as `--<driver>-<option>` flags, generated from the descriptors. */
export const driverOptionFlags = Object.fromEntries(
  DRIVERS.flatMap((entry) => entry.options.map((d) => [driverFlagName(entry.name, d.name), flagOf(entry.name, d)])),
) as Record<string, ReturnType<typeof Flags.string> | ReturnType<typeof Flags.boolean>>;

/** `--driver` and every driver's options. */
export const driverFlags = {
  driver: Flags.string({ description: `Driver of the Docker host: ${DRIVERS.map((d) => d.name).join(', ')} (default: x-preevy.driver, else the profile's).`, helpGroup }),
  ...driverOptionFlags,
};

/**
 * The options a profile stores for `driver` from `--<driver>-<option>` flags, typed and checked
 * by its descriptors. Another driver's flag is an error: it would be silently dropped.
 */
export const profileDriverOptions = (driver: string, flags: Readonly<Record<string, unknown>>, assigned: Readonly<Record<string, unknown>> = {}): Record<string, unknown> => {
  const entry = driverEntry(driver);
  const foreign = DRIVERS.filter((e) => e.name !== driver).flatMap((e) => e.options.map((d) => driverFlagName(e.name, d.name)).filter((n) => flags[n] !== undefined));
  if (foreign.length) {
    throw new PreevyError(`${foreign.map((n) => `--${n}`).join(', ')} ${foreign.length > 1 ? 'are options' : 'is an option'} of another driver than ${driver}`, {
      code: 'DRIVER_OPTION_INVALID',
      kind: 'invalid-input',
      suggestions: [`Give --driver for the driver they belong to, or only --${driver}-<option> flags.`],
    });
  }
  const given = Object.fromEntries(Object.entries(driverFlagValues(driver, flags)).filter(([, v]) => v !== undefined));
  const layer = { ...assigned, ...given };
  // Checked as a profile layer (unknown keys, types); only what was given is stored, not the defaults.
  const typed = resolveDriverOptions(driver, entry.options, { profile: layer, dirs: { cwd: process.cwd() } });
  return Object.fromEntries(Object.keys(layer).map((k) => [k, typed[k]]));
};

/** The `--<driver>-<option>` values the user gave, by option name. */
export const driverFlagValues = (driver: string, flags: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(driverEntry(driver).options.map((d) => [d.name, flags[driverFlagName(driver, d.name)]]));

/**
 * The driver a command runs on: chosen by `--driver` > the environment's record > `x-preevy.driver`
 * > the profile's, its options resolved default < profile < x-preevy < env var < flag, then loaded.
 */
export const driverResolver =
  (profile: Profile, flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), context: DriverContext = {}): DriverResolver =>
  async ({ project, projectDir, recorded }) => {
    const name = chooseDriver({ flag: flags.driver as string | undefined, recorded, project: project?.driver, profile: profile.driver });
    const entry = driverEntry(name);
    const options = resolveDriverOptions(name, entry.options, {
      profile: profile.driver === name ? profile.driverOptions : undefined,
      project: project?.drivers?.[name],
      env,
      flags: driverFlagValues(name, flags),
      dirs: { project: projectDir, cwd },
    });
    return (await entry.load()).create(options, context);
  };

/** What a driver may read of the command's profile: its key, only when the driver asks (a VM logs in with it). */
export const profileDriverContext = (store: Pick<ProfileStore, 'readPrivateKey'>, profile: Profile): DriverContext => ({
  profileKey: async () => ({ publicKey: profile.publicKey, privateKey: await store.readPrivateKey(profile.name) }),
});

/** `driverResolver` for a command: its flags, this process's environment and directory, the profile's key on demand. */
export const commandDriver = (store: Pick<ProfileStore, 'readPrivateKey'>, profile: Profile, flags: Readonly<Record<string, unknown>>): DriverResolver =>
  driverResolver(profile, flags, process.env, process.cwd(), profileDriverContext(store, profile));
