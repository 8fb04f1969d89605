import type { EnvRecord } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { resolveProfile } from '../environment-context.js';
import { renderTable } from '../ui/render-table.js';

export default class Ls extends BaseCommand<typeof Ls> {
  static override summary = 'List the environments of the profile.';

  async run(): Promise<EnvRecord[]> {
    const { store, profile } = await resolveProfile(this.flags.profile);
    const envs = await store.envs(profile.name).list();
    this.log(renderTable(['env id', 'status', 'driver', 'updated', 'urls'], envs.map((e) => [e.envId, e.status, e.driver, e.updatedAt, String(e.urls.length)])));
    return envs;
  }
}
