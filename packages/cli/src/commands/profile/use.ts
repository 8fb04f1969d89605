import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { profileCatalog } from '../../profiles/open-profile-store.js';
import { viewOfOpened, type ProfileView } from './render-profile.js';

export default class ProfileUse extends BaseCommand<typeof ProfileUse> {
  static override summary = 'Make a profile the current one (used when --profile is not given).';
  static override examples = ['<%= config.bin %> profile use ci'];

  static override args = { name: Args.string({ ignoreStdin: true, description: 'Profile name (a local profile or a link).', required: true }) };

  async run(): Promise<ProfileView> {
    const { args } = await this.parse(ProfileUse);
    const catalog = profileCatalog();
    const view = await viewOfOpened(catalog, await catalog.use(args.name), args.name);
    this.log(`Profile "${view.name}" is now the current profile.`);
    return view;
  }
}
