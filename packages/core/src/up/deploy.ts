import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_SERVICE, type EnvInfo, type TunnelAccess } from '@preevy/tunnel-protocol';
import type { ComposeModel } from '../compose/compose-model.js';
import { dockerEnv, type DockerConnection } from '../driver/docker-host-driver.js';
import { bindSources, rewriteBindMounts, syncBindMounts } from '../sync/sync-bind-mounts.js';
import type { DockerCli } from './agent-state-reader.js';
import { AGENT_KEY_ENV, type TunnelEndpoint } from './agent-service.js';
import { composeUpError } from './compose-up-error.js';
import { envWorkDir } from './env-work-dir.js';
import { recordEnv } from './record-env.js';
import type { ServiceLabels } from './service-settings.js';
import { transformModel } from './transform-model.js';
import type { UpContext, UpResult, UpTarget } from './up-context.js';

/**
 * Step "sync": a remote engine cannot see local bind sources, so they are copied to the host and
 * the mounts pointed there. Returns the compose project as it must be deployed.
 */
export const syncFiles = async (
  { request, progress, logger }: UpContext,
  { envId, labels }: UpTarget,
  model: ComposeModel,
  docker: DockerCli,
  conn: Pick<DockerConnection, 'seesLocalFiles'>,
): Promise<{ raw: Record<string, unknown>; sync?: UpResult['sync'] }> => {
  const paths = conn.seesLocalFiles ? [] : bindSources(model, request.services);
  if (!paths.length) return { raw: model.raw };
  const synced = await progress.step(`Syncing ${paths.length} bind-mounted path(s)`, () =>
    syncBindMounts({ model, envId, docker, labels, services: request.services, syncImage: request.syncImage }),
  );
  const { sent, unchanged, deleted, bytes } = synced;
  logger.info(`synced bind-mounted files: ${sent} sent (${bytes} bytes), ${unchanged} unchanged, ${deleted} deleted`);
  return { raw: rewriteBindMounts(model.raw, synced.mapping), sync: { paths: paths.length, sent, unchanged, deleted, bytes } };
};

export interface DeployInput {
  raw: Record<string, unknown>;
  workingDir: string;
  agentImage: string;
  agentKey: string;
  tunnel: TunnelEndpoint;
  defaultAccess: TunnelAccess;
  serviceLabels: ServiceLabels;
  dockerHost: string | undefined;
  envInfo?: EnvInfo;
}

/**
 * Step "deploy": the project with the agent injected, written to the environment's work folder,
 * recorded as provisioning, then `docker compose up -d --build --remove-orphans --wait`. A failed
 * or interrupted compose marks the record failed.
 */
export const deploy = async (ctx: UpContext, target: UpTarget, input: DeployInput): Promise<void> => {
  const { request, run, progress } = ctx;
  const { envId, project, labels, stopIfInterrupted } = target;
  const composeFile = join(await envWorkDir(ctx, envId), 'compose.json');
  const deployed = transformModel({ raw: input.raw, envId, project, labels, agentImage: input.agentImage, tunnel: input.tunnel, defaultAccess: input.defaultAccess, serviceLabels: input.serviceLabels, ...(input.envInfo ? { envInfo: input.envInfo } : {}) });
  await writeFile(composeFile, JSON.stringify(deployed, null, 2));
  await recordEnv(ctx, target, 'provisioning');

  stopIfInterrupted();
  const { signal } = request;
  const targets = request.services?.length ? [...request.services, AGENT_SERVICE] : [];
  await progress.step('Starting services (docker compose up)', async () => {
    // The signal stops compose itself: an abandoned compose would go on changing the environment.
    const res = await run('docker', ['compose', '-p', project, '-f', composeFile, 'up', '-d', '--build', '--remove-orphans', '--wait', ...targets], {
      env: { ...dockerEnv(input), [AGENT_KEY_ENV]: input.agentKey },
      cwd: input.workingDir,
      ...(signal ? { signal } : {}),
    });
    if (res.exitCode !== 0 || signal?.aborted) {
      await recordEnv(ctx, target, 'failed');
      stopIfInterrupted();
      throw composeUpError(res.stderr, { envId, project });
    }
  });
};
