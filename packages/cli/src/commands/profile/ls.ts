import { LocalProfileStore, type ProfileListEntry } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { renderProfileTable } from './render-profile.js';

export interface ProfileLsResult {
  profiles: ProfileListEntry[];
}

export default class ProfileLs extends BaseCommand<typeof ProfileLs> {
  static override summary = 'List the profiles: name, whether current, driver and tunnel server.';
  static override examples = ['<%= config.bin %> profile ls', '<%= config.bin %> profile ls --json'];

  async run(): Promise<ProfileLsResult> {
    const profiles = await new LocalProfileStore().list();
    this.log(renderProfileTable(profiles));
    return { profiles };
  }
}
