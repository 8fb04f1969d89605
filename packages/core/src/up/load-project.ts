import { environmentLabels } from '@preevy/tunnel-protocol';
import { gitRefReader } from '../env-id/git-ref.js';
import { resolveEnvId } from '../env-id/resolve-env-id.js';
import { loadComposeModel } from '../compose/load-compose-model.js';
import type { ComposeModel } from '../compose/compose-model.js';
import { validatePreevyConfig } from '../compose/validate-preevy-config.js';
import type { XPreevy } from '../compose/x-preevy-schema.js';
import { PreevyError } from '../errors/preevy-error.js';
import { interruptedError, type UpBaseContext, type UpTarget } from './up-context.js';

export interface LoadedProject {
  /** The model compose gave with `baseUris` set: the final one when they were right. */
  model: ComposeModel;
  config: XPreevy;
  target: UpTarget;
  /** The `PREEVY_BASE_URI_*` values the model was loaded with. */
  baseUris: Readonly<Record<string, string>>;
}

/**
 * Step "load": the compose model (real `docker compose config`), its x-preevy section, the env id,
 * and the requested services checked. `baseUris` is a guess of the `PREEVY_BASE_URI_*` values
 * (the previous `up`'s): when it proves right, the model needs no second load.
 */
export const loadProject = async ({ request, run, env, progress, logger, profile, driverOptionTypes }: UpBaseContext, baseUris: Readonly<Record<string, string>>): Promise<LoadedProject> => {
  const model = await progress.step('Loading the compose project', () =>
    loadComposeModel({ ...request.compose, env: { ...request.compose.env, ...baseUris } }, { runner: run, env }),
  );
  // Every driver's x-preevy options are checked here, with a likely fix for a typo, before any is used.
  const { config, warnings } = validatePreevyConfig(model, { driverOptions: driverOptionTypes });
  for (const w of warnings) logger.warn(w);
  // A base image given by flag or environment is above the compose file: it builds the agent.
  if (config.agent?.image && request.agentBaseImage) logger.warn(`--agent-base-image (or PREEVY_AGENT_BASE_IMAGE) ${request.agentBaseImage} is used instead of x-preevy.agent.image ${config.agent.image}`);
  const { id: envId, source } = await resolveEnvId({ flag: request.envId, projectName: model.projectName, env, git: gitRefReader({ runner: run, cwd: model.workingDir, env }) });
  logger.debug('environment id', { envId, source });

  const unknown = (request.services ?? []).filter((s) => !model.services[s]);
  if (unknown.length) {
    throw new PreevyError(`No service named ${unknown.join(', ')} in the project`, {
      code: 'SERVICE_NOT_FOUND',
      kind: 'invalid-input',
      suggestions: [`Services: ${Object.keys(model.services).join(', ')}.`],
    });
  }
  const interrupted = () => interruptedError(envId);
  const target: UpTarget = {
    envId,
    project: envId,
    labels: environmentLabels({ profileId: profile.name, envId }),
    interrupted,
    stopIfInterrupted: () => {
      if (request.signal?.aborted) throw interrupted();
    },
  };
  return { model, config, target, baseUris };
};
