import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { profileCatalog } from '../../profiles/open-profile-store.js';
import { createProfileFromFlags, profileSettingsFlags, storeFlag } from './profile-flags.js';
import { renderProfile, type ProfileView } from './render-profile.js';

export default class ProfileCreate extends BaseCommand<typeof ProfileCreate> {
  static override summary = 'Create a profile with a new tunnel key, non-interactively (for CI too).';
  static override description = 'It becomes the current profile with --use, or when there is no current profile yet.';
  static override examples = [
    '<%= config.bin %> profile create ci --driver docker',
    '<%= config.bin %> profile create team --driver kube-pod --driver-option namespace=previews --tunnel-url ssh+tls://tunnel.example.com --use',
    '<%= config.bin %> profile create ci --tunnel-url ssh://tunnel.example.com:2222 --tunnel-host-key SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
    '<%= config.bin %> profile create team --store s3://my-bucket/preevy/team?region=eu-west-1 --tunnel-url ssh+tls://tunnel.example.com',
  ];

  static override args = { name: Args.string({ ignoreStdin: true, description: 'Profile name: lowercase letters, digits and hyphens.', required: true }) };
  static override flags = { ...profileSettingsFlags, store: storeFlag, use: Flags.boolean({ description: 'Make it the current profile.' }) };

  async run(): Promise<ProfileView> {
    const { args } = await this.parse(ProfileCreate);
    const f = this.flags;
    const view = await createProfileFromFlags(profileCatalog(), args.name, f, f.store);
    this.log(`Created profile "${view.name}".\n${renderProfile(view)}`);
    return view;
  }
}
