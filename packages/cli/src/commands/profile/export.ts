import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { PreevyError, serializeProfileExport, writeFileAtomic, type ProfileExport } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { profileCatalog } from '../../profiles/open-profile-store.js';

/** Where the export went when written to a file; on stdout the result is the exported document itself. */
export interface ProfileExportFileResult {
  name: string;
  output: string;
  includeEnvs: boolean;
}

export default class ProfileExportCommand extends BaseCommand<typeof ProfileExportCommand> {
  static override summary = 'Export a profile (settings and tunnel key) as one file, e.g. for a CI secret.';
  static override description =
    'The file holds the private tunnel key: keep it secret. It is written with mode 0600; without --output it goes to stdout. ' +
    'Load it with `preevy profile import FILE` or the PREEVY_PROFILE_FILE environment variable.';
  static override examples = ['<%= config.bin %> profile export --output preevy-profile.json', '<%= config.bin %> profile export --profile ci | gh secret set PREEVY_PROFILE'];

  static override flags = {
    output: Flags.string({ char: 'o', description: 'File to write (mode 0600). Default: stdout.' }),
    'include-envs': Flags.boolean({ description: 'Include the records of the environments.' }),
  };

  async run(): Promise<ProfileExport | ProfileExportFileResult> {
    const f = this.flags;
    const { store, profile } = await profileCatalog().resolve(f.profile);
    const { name } = profile;
    const doc = await store.exportProfile(name, { includeEnvs: f['include-envs'] });
    const text = serializeProfileExport(doc);
    if (f.output === undefined) {
      // stderr, so the warning never ends up inside the secret a pipe stores.
      this.logToStderr(`Warning: this output holds the private tunnel key of profile "${name}": keep it secret (e.g. a CI secret), never in a log or a repository.`);
      this.log(text.trimEnd());
      return doc;
    }
    const output = resolve(f.output);
    await writeFileAtomic(output, text, { mode: 0o600 }).catch((err: NodeJS.ErrnoException) => {
      throw new PreevyError(`Cannot write ${output}: ${err.code ?? err.message}.`, {
        code: 'OUTPUT_UNWRITABLE',
        kind: 'invalid-input',
        suggestions: ['Check that the directory exists and is writable.'],
        cause: err,
      });
    });
    this.logToStderr(`Exported profile "${name}" to ${output} (mode 0600: it holds the private tunnel key).`);
    return { name, output, includeEnvs: f['include-envs'] };
  }
}
