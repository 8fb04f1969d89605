import { Args, Flags } from '@oclif/core';
import { DEFAULT_PROFILE_NAME } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { profileCatalog } from '../profiles/open-profile-store.js';
import { createProfileFromFlags, profileSettingsFlags } from './profile/profile-flags.js';
import { renderProfile, type ProfileView } from './profile/render-profile.js';

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'Set preevy up: create a profile (driver, its defaults, tunnel server) with a new tunnel key.';
  static override description =
    'Non-interactive. Without --tunnel-url, environments publish through the embedded local tunnel server. ' +
    'The profile becomes current with --use, or when there is no current profile yet. `preevy up` creates "default" by itself when nothing is set up.';
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init team --driver kube-pod --tunnel-url ssh+tls://tunnel.example.com --use'];

  static override args = { name: Args.string({ ignoreStdin: true, description: 'Profile name.', default: DEFAULT_PROFILE_NAME }) };
  static override flags = { ...profileSettingsFlags, use: Flags.boolean({ description: 'Make it the current profile.' }) };

  async run(): Promise<ProfileView> {
    const { args } = await this.parse(Init);
    const f = this.flags;
    const view = await createProfileFromFlags(profileCatalog(), args.name, f);
    this.log(`Created profile "${view.name}".\n${renderProfile(view)}\n\nNext: \`preevy up\` in a compose project.`);
    return view;
  }
}
