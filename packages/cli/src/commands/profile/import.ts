import { readFile } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { parseProfileExport, PreevyError } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { profileCatalog } from '../../profiles/open-profile-store.js';
import { storeFlag } from './profile-flags.js';
import { viewOfOpened, type ProfileView } from './render-profile.js';

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export default class ProfileImport extends BaseCommand<typeof ProfileImport> {
  static override summary = 'Import a profile file written by `preevy profile export` (or - for stdin).';
  static override description = 'The whole file is checked before anything is written. An existing profile of that name is replaced only with --force.';
  static override examples = ['<%= config.bin %> profile import preevy-profile.json --name ci --use', 'echo "$PREEVY_PROFILE" | <%= config.bin %> profile import - --use'];

  static override args = { file: Args.string({ ignoreStdin: true, description: 'Profile file, or - to read stdin.', required: true }) };
  static override flags = {
    name: Flags.string({ description: 'Name to import it under (default: the name in the file).' }),
    use: Flags.boolean({ description: 'Make it the current profile.' }),
    force: Flags.boolean({ description: 'Replace an existing profile of that name (its environment records are kept).' }),
    store: storeFlag,
  };

  async run(): Promise<ProfileView> {
    const { args } = await this.parse(ProfileImport);
    const f = this.flags;
    const source = args.file === '-' ? 'stdin' : args.file;
    const text = await (args.file === '-' ? readStdin() : readFile(args.file, 'utf8')).catch((err: NodeJS.ErrnoException) => {
      throw new PreevyError(`Cannot read ${source}: ${err.code ?? err.message}.`, {
        code: 'PROFILE_FILE_UNREADABLE',
        kind: err.code === 'ENOENT' ? 'not-found' : 'invalid-input',
        suggestions: ['Pass a file written by `preevy profile export`, or - to read it from stdin.'],
        cause: err,
      });
    });
    const doc = parseProfileExport(text, source);
    const catalog = profileCatalog();
    const opened = await catalog.importProfile(doc, { ...(f.name === undefined ? {} : { name: f.name }), use: f.use, force: f.force, ...(f.store === undefined ? {} : { storeUrl: f.store }) });
    const view = await viewOfOpened(catalog, opened, f.name ?? doc.profile.name);
    this.log(`Imported profile "${view.name}" (client id ${view.clientId})${view.store ? ` into ${view.store}` : ''}${view.current ? ', now the current profile' : ''}.`);
    return view;
  }
}
