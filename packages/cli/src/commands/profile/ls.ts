import type { ProfileListEntry } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { profileCatalog } from '../../profiles/open-profile-store.js';
import { renderProfileTable } from './render-profile.js';

export interface ProfileLsResult {
  profiles: ProfileListEntry[];
}

export default class ProfileLs extends BaseCommand<typeof ProfileLs> {
  static override summary = 'List the profiles: name, whether current, driver, tunnel server and, for linked remote profiles, where they live.';
  static override examples = ['<%= config.bin %> profile ls', '<%= config.bin %> profile ls --json'];

  async run(): Promise<ProfileLsResult> {
    const profiles = await profileCatalog().list();
    this.log(renderProfileTable(profiles));
    return { profiles };
  }
}
