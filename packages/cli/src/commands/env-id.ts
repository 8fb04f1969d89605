import { Flags } from '@oclif/core';
import { describeEnvIdSource, type EnvIdSource, projectEnvId } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { composeFlags, composeRequestFromFlags } from '../compose-flags.js';

export interface EnvIdCommandResult {
  id: string;
  source: EnvIdSource;
  /** The compose project's name; absent with --id and no -p (the project is not read then). */
  project?: string;
}

export default class EnvId extends BaseCommand<typeof EnvId> {
  static override summary = 'Print the environment id that `preevy up` would use here.';
  static override description =
    '--id when given; else {project}-pr-{N} from the CI pull request (GitHub Actions, GitLab, CircleCI, Buildkite, Azure Pipelines, Travis); ' +
    'else {project}-{branch} from the CI or the local git branch. Normalized to a DNS label of at most 40 characters.';
  static override examples = ['<%= config.bin %> env-id', '<%= config.bin %> env-id -f compose.yaml -f compose.ci.yaml --json', '<%= config.bin %> env-id --id my-feature'];

  static override flags = {
    ...composeFlags,
    id: Flags.string({ description: 'Environment id to use instead of the derived one (normalized).' }),
  };

  async run(): Promise<EnvIdCommandResult> {
    const { id, source, project } = await projectEnvId({ compose: composeRequestFromFlags(this.flags), flag: this.flags.id }, { logger: this.logger });
    this.logger.debug(`environment id ${id} from ${describeEnvIdSource(source)}`);
    this.log(id);
    return { id, source, ...(project === undefined ? {} : { project }) };
  }
}
