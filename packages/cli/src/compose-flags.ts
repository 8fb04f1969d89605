import { Flags } from '@oclif/core';
import type { ComposeRequest } from '@preevy/core';

const helpGroup = 'COMPOSE';

/** The flags that select a compose project, shared by `up`, `down`, `urls`, `env-id`; named as in `docker compose`. */
export const composeFlags = {
  file: Flags.string({
    char: 'f',
    multiple: true,
    delimiter: ',',
    description: 'Compose file (repeat or comma-separate for several). Default: what compose finds (compose.yaml and compose.override.yaml).',
    helpGroup,
  }),
  'project-directory': Flags.string({ description: 'Compose project directory. Default: the directory of the first compose file.', helpGroup }),
  project: Flags.string({ char: 'p', description: 'Compose project name. Default: `name` in the compose file, else the project directory name.', helpGroup }),
  // `--profile` is preevy's own (the profile store); compose reads COMPOSE_PROFILES too.
  'compose-profile': Flags.string({ multiple: true, description: 'Compose profile to enable (repeatable).', helpGroup }),
  'env-file': Flags.string({ multiple: true, description: 'Env file for compose interpolation (repeatable). Default: .env in the project directory.', helpGroup }),
};

/** The values of `composeFlags`, as oclif parses them. */
export interface ComposeFlagValues {
  file?: string[] | undefined;
  'project-directory'?: string | undefined;
  project?: string | undefined;
  'compose-profile'?: string[] | undefined;
  'env-file'?: string[] | undefined;
}

/** Turns parsed `composeFlags` into core's request. */
export const composeRequestFromFlags = (flags: ComposeFlagValues, cwd: string = process.cwd()): ComposeRequest => ({
  files: flags.file ?? [],
  projectDirectory: flags['project-directory'],
  projectName: flags.project,
  profiles: flags['compose-profile'] ?? [],
  envFiles: flags['env-file'] ?? [],
  cwd,
});
