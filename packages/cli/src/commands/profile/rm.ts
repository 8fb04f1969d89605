import { Args, Flags } from '@oclif/core';
import type { CatalogRemoveResult } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { profileCatalog } from '../../profiles/open-profile-store.js';

export default class ProfileRm extends BaseCommand<typeof ProfileRm> {
  static override summary = 'Remove a profile and its tunnel key.';
  static override description =
    'Refuses the current profile and a profile with environments that may still run, unless --force. ' +
    'Removing the key is final: export the profile first (`preevy profile export`) to keep it.';
  static override examples = ['<%= config.bin %> profile rm old', '<%= config.bin %> profile rm old --force', '<%= config.bin %> profile rm s3://my-bucket/preevy/old --force'];

  static override args = { name: Args.string({ ignoreStdin: true, description: 'Profile name; a link is only forgotten (the remote profile stays); an s3:// URL removes the remote profile.', required: true }) };
  static override flags = { force: Flags.boolean({ description: 'Remove it even if it is current or has environment records.' }) };

  async run(): Promise<CatalogRemoveResult> {
    const { args } = await this.parse(ProfileRm);
    const result = await profileCatalog().remove(args.name, { force: this.flags.force });
    if (result.unlinked) {
      this.log(`Removed the link "${result.name}" (the profile at ${result.location} stays${result.wasCurrent ? '; there is no current profile now' : ''}).`);
      return result;
    }
    const notes = [
      ...(result.wasCurrent ? ['there is no current profile now'] : []),
      ...(result.envIds.length ? [`records of environments ${result.envIds.join(', ')} removed with it`] : []),
    ];
    this.log(`Removed profile "${result.name}"${notes.length ? ` (${notes.join('; ')})` : ''}.`);
    return result;
  }
}
