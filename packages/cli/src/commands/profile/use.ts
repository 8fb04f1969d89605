import { Args } from '@oclif/core';
import { LocalProfileStore } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { viewOf, type ProfileView } from './render-profile.js';

export default class ProfileUse extends BaseCommand<typeof ProfileUse> {
  static override summary = 'Make a profile the current one (used when --profile is not given).';
  static override examples = ['<%= config.bin %> profile use ci'];

  static override args = { name: Args.string({ description: 'Profile name.', required: true }) };

  async run(): Promise<ProfileView> {
    const { args } = await this.parse(ProfileUse);
    const store = new LocalProfileStore();
    const view = await viewOf(store, await store.use(args.name));
    this.log(`Profile "${view.name}" is now the current profile.`);
    return view;
  }
}
