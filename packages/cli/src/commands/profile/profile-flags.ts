import { Flags } from '@oclif/core';

/** `--tunnel-url`, optionally exclusive with other flags. */
export const tunnelUrlFlag = (exclusive: string[] = []) =>
  Flags.string({ description: 'Tunnel server, ssh://HOST[:PORT] or ssh+tls://HOST[:PORT] (default: the embedded local tunnel server).', exclusive });

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
};
