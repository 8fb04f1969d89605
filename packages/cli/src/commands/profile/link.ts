import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { profileCatalog } from '../../profiles/open-profile-store.js';
import { renderProfile, viewOfOpened, type ProfileView } from './render-profile.js';

export default class ProfileLink extends BaseCommand<typeof ProfileLink> {
  static override summary = 'Remember a profile kept in shared storage (s3://…) under a local name.';
  static override description =
    'Reads the profile there (so the URL and the credentials are checked now) and links it; `--profile NAME` then reaches it. ' +
    'Only the URL is kept on this machine; the settings, the tunnel key and the environment records stay in the bucket. `preevy profile rm NAME` forgets the link.';
  static override examples = ['<%= config.bin %> profile link s3://my-bucket/preevy/team?region=eu-west-1', '<%= config.bin %> profile link s3://my-bucket/preevy/team --name team-eu --use'];

  static override args = { url: Args.string({ ignoreStdin: true, description: 'Where the profile lives: s3://BUCKET/PREFIX[?region=REGION][&endpoint=URL].', required: true }) };
  static override flags = {
    name: Flags.string({ description: 'Local name (default: the name the profile was created under).' }),
    use: Flags.boolean({ description: 'Make it the current profile.' }),
  };

  async run(): Promise<ProfileView> {
    const { args } = await this.parse(ProfileLink);
    const f = this.flags;
    const catalog = profileCatalog();
    const linked = await catalog.link(args.url, { ...(f.name === undefined ? {} : { name: f.name }), use: f.use });
    const view = await viewOfOpened(catalog, linked, linked.name);
    this.log(`Linked "${linked.name}" to ${linked.location}.\n${renderProfile(view)}`);
    return view;
  }
}
