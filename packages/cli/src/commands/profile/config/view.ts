import { BaseCommand } from '../../../base-command.js';
import { profileCatalog } from '../../../profiles/open-profile-store.js';
import { renderProfile, viewOfOpened, type ProfileView } from '../render-profile.js';

export default class ProfileConfigView extends BaseCommand<typeof ProfileConfigView> {
  static override summary = 'Show the settings of a profile (the current one unless --profile).';
  static override examples = ['<%= config.bin %> profile config view', '<%= config.bin %> profile config view --profile ci --json'];

  async run(): Promise<ProfileView> {
    const catalog = profileCatalog();
    const view = await viewOfOpened(catalog, await catalog.resolve(this.flags.profile), this.flags.profile);
    this.log(renderProfile(view));
    return view;
  }
}
