import type { EnvRecord } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { driverFlags, driverResolver } from '../drivers/driver-flags.js';
import { resolveProfile } from '../environment-context.js';
import { renderTable } from '../ui/render-table.js';

/** One row of `ls`: a record of the profile, or a host the driver found that this machine has no record of. */
export type LsEntry = Pick<EnvRecord, 'envId' | 'driver'> & Partial<Pick<EnvRecord, 'status' | 'updatedAt' | 'urls'>> & { source: 'record' | 'driver' | 'both' };

export default class Ls extends BaseCommand<typeof Ls> {
  static override summary = 'List the environments of the profile (with a driver that owns hosts, as its infrastructure shows them too).';
  static override flags = { ...driverFlags };

  async run(): Promise<LsEntry[]> {
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const records = await store.envs(profile.name).list();
    const driver = await driverResolver(profile, f)({});
    // A driver with hosts of its own answers from the infrastructure, so a fresh CI runner sees the same environments.
    const hosts = driver.hostPerEnvironment ? await driver.listHosts({ profileId: profile.name }) : [];
    const found = new Set(hosts.map((h) => h.envId));
    const entries: LsEntry[] = [
      ...records.map((r) => ({ ...r, source: found.has(r.envId) ? ('both' as const) : ('record' as const) })),
      ...hosts.filter((h) => !records.some((r) => r.envId === h.envId)).map((h) => ({ envId: h.envId, driver: h.driver, source: 'driver' as const })),
    ].sort((a, b) => a.envId.localeCompare(b.envId));
    this.log(
      renderTable(
        ['env id', 'status', 'driver', 'updated', 'urls'],
        entries.map((e) => [e.envId, e.status ?? 'running (no local record)', e.driver, e.updatedAt ?? '', e.urls ? String(e.urls.length) : '']),
      ),
    );
    return entries;
  }
}
