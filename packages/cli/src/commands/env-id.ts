import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { describeEnvIdSource, type EnvIdSource, execFileRunner, gitRefReader, loadComposeModel, resolveEnvId } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { composeFlags, composeRequestFromFlags } from '../compose-flags.js';

export interface EnvIdCommandResult {
  id: string;
  source: EnvIdSource;
  project: string;
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
    const cwd = process.cwd();
    const request = composeRequestFromFlags(this.flags, cwd);
    // The compose model is only needed for the project name; git runs where the project is.
    const { project, workingDir } =
      request.projectName === undefined
        ? await loadComposeModel(request, { logger: this.logger }).then((m) => ({ project: m.projectName, workingDir: m.workingDir }))
        : { project: request.projectName, workingDir: resolve(cwd, request.projectDirectory ?? '.') };

    const { id, source } = await resolveEnvId({
      flag: this.flags.id,
      projectName: project,
      env: process.env,
      git: gitRefReader({ runner: execFileRunner, cwd: workingDir }),
    });
    this.logger.debug(`environment id ${id} from ${describeEnvIdSource(source)}`);
    this.log(id);
    return { id, source, project };
  }
}
