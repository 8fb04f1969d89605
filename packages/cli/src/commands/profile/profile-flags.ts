import { Flags } from '@oclif/core';
import { DEFAULT_DRIVER, parseDriverOptionAssignments, type DriverOptions, type ProfileCatalog } from '@preevy/core';
import { driverOptionFlags, profileDriverOptions } from '../../drivers/driver-flags.js';
import { viewOfOpened, type ProfileView } from './render-profile.js';

/** `--tunnel-url`, optionally exclusive with other flags. */
export const tunnelUrlFlag = (exclusive: string[] = []) =>
  Flags.string({ description: 'Tunnel server, ssh://HOST[:PORT] or ssh+tls://HOST[:PORT] (default: the embedded local tunnel server).', exclusive });

/** `--tunnel-host-key`: pins the server's key instead of trusting what the first contact shows. */
export const tunnelHostKeyFlag = (opts: { dependsOn?: string[]; exclusive?: string[] } = {}) =>
  Flags.string({
    description:
      "Pin the tunnel server's host key: its public key line ('ssh-ed25519 AAAA...') or fingerprint ('SHA256:...'). " +
      'Default: the first `up` pins the key the server shows (trust on first use); a server showing another key is refused.',
    ...opts,
  });

/** Flags shared by the commands that create or change a profile's settings. */
export const profileSettingsFlags = {
  driver: Flags.string({ description: 'Driver that provides the Docker host (default for a new profile: docker).' }),
  'driver-option': Flags.string({
    description: 'Default option of the driver, as KEY=VALUE (repeatable). true/false and numbers are stored typed.',
    multiple: true,
    // One value per occurrence, so a positional argument after it is not swallowed.
    multipleNonGreedy: true,
  }),
  'tunnel-url': tunnelUrlFlag(),
  'tunnel-host-key': tunnelHostKeyFlag({ dependsOn: ['tunnel-url'] }),
  ...driverOptionFlags,
};

/** `--store`: where a new or imported profile lives, when not on this machine. */
export const storeFlag = Flags.string({
  description: 'Keep the profile in shared storage, s3://BUCKET/PREFIX[?region=REGION][&endpoint=URL], linked here under its name. Credentials come from the AWS SDK chain (AWS_* variables, AWS_PROFILE, instance role).',
});

/** Creates a profile from the flags `init` and `profile create` share; `storeUrl` puts it in shared storage. */
export const createProfileFromFlags = async (
  catalog: ProfileCatalog,
  name: string,
  f: { driver?: string | undefined; 'driver-option'?: string[] | undefined; 'tunnel-url'?: string | undefined; 'tunnel-host-key'?: string | undefined; use: boolean } & Record<string, unknown>,
  storeUrl?: string,
): Promise<ProfileView> => {
  const opened = await catalog.create(
    {
      name,
      ...(f.driver === undefined ? {} : { driver: f.driver }),
      driverOptions: profileDriverOptions(f.driver ?? DEFAULT_DRIVER, f, parseDriverOptionAssignments(f['driver-option'] ?? [])) as DriverOptions,
      ...(f['tunnel-url'] === undefined ? {} : { tunnelUrl: f['tunnel-url'] }),
      ...(f['tunnel-host-key'] === undefined ? {} : { tunnelHostKey: f['tunnel-host-key'] }),
      use: f.use,
    },
    storeUrl,
  );
  return viewOfOpened(catalog, opened, name);
};
