import { Flags } from '@oclif/core';
import { down, type DownResult } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { composeFlags } from '../compose-flags.js';
import { commandDriver, driverFlags } from '../drivers/driver-flags.js';
import { envIdFromFlags, resolveProfile } from '../environment-context.js';
import { withInterruptSignal } from '../interrupt-signal.js';

export default class Down extends BaseCommand<typeof Down> {
  static override summary = 'Remove an environment: containers, volumes, networks and its record. Safe to run twice.';
  static override examples = ['<%= config.bin %> down', '<%= config.bin %> down --id my-feature'];
  static override flags = {
    ...composeFlags,
    id: Flags.string({ description: 'Environment id (default: derived as `up` derives it).', env: 'PREEVY_ENV_ID' }),
    force: Flags.boolean({ description: 'Forget the environment even when its Docker host cannot be reached (its resources stay there).' }),
    ...driverFlags,
  };

  async run(): Promise<DownResult> {
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const envId = await envIdFromFlags(f);
    const result = await withInterruptSignal((signal) =>
      down(envId, { envs: store.envs(profile.name), profile, driver: commandDriver(store, profile, f), progress: this.progress, force: f.force, signal }),
    );
    if (result.forced) this.warn(`Only the record of ${envId} was removed: ${result.forced}`);
    this.log(result.existed ? `Removed ${envId}.` : `Nothing to remove: ${envId} does not exist.`);
    return result;
  }
}
