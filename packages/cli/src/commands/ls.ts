import { listEnvironments, type EnvironmentEntry } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { commandDriver, driverFlags } from '../drivers/driver-flags.js';
import { resolveProfile } from '../environment-context.js';
import { formatAge } from '../ui/age.js';
import { renderTable } from '../ui/render-table.js';

export default class Ls extends BaseCommand<typeof Ls> {
  static override summary = 'List the environments of the profile, with the age of their last up (with a driver that owns hosts, as its infrastructure shows them too).';
  static override flags = { ...driverFlags };

  async run(): Promise<EnvironmentEntry[]> {
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const driver = await commandDriver(store, profile, f)({});
    const entries = await listEnvironments({ envs: store.envs(profile.name), driver, profileId: profile.name });
    const now = new Date();
    // A driver that lists hosts says what they are (a machine's state and type): a column only then.
    const hosts = entries.some((e) => e.host);
    this.log(
      renderTable(
        ['env id', 'status', 'driver', ...(hosts ? ['host'] : []), 'last up', 'urls'],
        entries.map((e) => [
          e.envId,
          e.status ?? 'running (no local record)',
          e.driver,
          ...(hosts ? [`${e.host ?? ''}${e.lastActivityAt ? `, active ${formatAge(e.lastActivityAt, now)} ago` : ''}`] : []),
          e.lastUpAt ? `${formatAge(e.lastUpAt, now)} ago` : '-',
          e.urls ? String(e.urls.length) : '',
        ]),
      ),
    );
    return entries;
  }
}
