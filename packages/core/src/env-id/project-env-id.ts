import { resolve } from 'node:path';
import type { ComposeRequest } from '../compose/compose-request.js';
import { loadComposeModel } from '../compose/load-compose-model.js';
import type { Logger } from '../logger.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { gitRefReader } from './git-ref.js';
import { resolveEnvId, type EnvIdResult } from './resolve-env-id.js';
import { dockerProcessRunner } from '../process/compose-plugin.js';

export interface ProjectEnvIdDeps {
  runner?: ProcessRunner;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/**
 * The environment id of a compose project, as `up` derives it, for every command that names an
 * environment: `--id` (normalized) needs no project at all; `-p` names the project without
 * reading the compose files; else the project name comes from the model. Git runs where the project is.
 */
export const projectEnvId = async (
  { compose, flag }: { compose: ComposeRequest; flag?: string | undefined },
  { runner = dockerProcessRunner, env = process.env, logger }: ProjectEnvIdDeps = {},
): Promise<EnvIdResult & { project: string | undefined }> => {
  if (flag !== undefined) return { ...(await resolveEnvId({ flag, projectName: '', env, git: async () => undefined })), project: compose.projectName };
  const { project, workingDir } =
    compose.projectName === undefined
      ? await loadComposeModel(compose, { runner, env, ...(logger ? { logger } : {}) }).then((m) => ({ project: m.projectName, workingDir: m.workingDir }))
      : { project: compose.projectName, workingDir: resolve(compose.cwd ?? process.cwd(), compose.projectDirectory ?? '.') };
  const result = await resolveEnvId({ projectName: project, env, git: gitRefReader({ runner, cwd: workingDir, env }) });
  return { ...result, project };
};
