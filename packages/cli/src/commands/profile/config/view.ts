import { LocalProfileStore } from '@preevy/core';
import { BaseCommand } from '../../../base-command.js';
import { renderProfile, viewOf, type ProfileView } from '../render-profile.js';

export default class ProfileConfigView extends BaseCommand<typeof ProfileConfigView> {
  static override summary = 'Show the settings of a profile (the current one unless --profile).';
  static override examples = ['<%= config.bin %> profile config view', '<%= config.bin %> profile config view --profile ci --json'];

  async run(): Promise<ProfileView> {
    const store = new LocalProfileStore();
    const view = await viewOf(store, await store.resolve(this.flags.profile));
    this.log(renderProfile(view));
    return view;
  }
}
