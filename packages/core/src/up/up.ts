import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_SERVICE, DEFAULT_AGENT_BASE_IMAGE, environmentLabels, serviceTunnelName, serviceTunnels, tunnelLabel, urlOfLabel, type TunnelAccess } from '@preevy/tunnel-protocol';
import { loadComposeModel } from '../compose/load-compose-model.js';
import type { ComposeModel } from '../compose/compose-model.js';
import type { ComposeRequest } from '../compose/compose-request.js';
import { baseUriEnv, publicationOf } from '../compose/base-uri-env.js';
import { validatePreevyConfig } from '../compose/validate-preevy-config.js';
import type { DockerHostDriver } from '../driver/docker-host-driver.js';
import { gitRefReader } from '../env-id/git-ref.js';
import { resolveEnvId } from '../env-id/resolve-env-id.js';
import { PreevyError } from '../errors/preevy-error.js';
import { ensureImage, type ImageContext } from '../images/ensure-image.js';
import type { Logger } from '../logger.js';
import { preevyHome } from '../paths.js';
import type { Profile, ProfileStore } from '../profiles/profile-store.js';
import { execFileRunner, type ProcessRunner } from '../process/process-runner.js';
import type { ProgressReporter } from '../progress.js';
import { bindSources, isLocalEngine, rewriteBindMounts, syncBindMounts, type SyncCounts } from '../sync/sync-bind-mounts.js';
import { dockerCli, readAgentState } from './agent-state-reader.js';
import { AGENT_KEY_ENV, type TunnelEndpoint } from './agent-service.js';
import { composeUpError } from './compose-up-error.js';
import { probeUrl } from './probe-url.js';
import { serviceSettingLabels, withServiceLabels, type ServiceLabels } from './service-settings.js';
import { envShareToken } from './share-url.js';
import { transformModel } from './transform-model.js';

export interface UpRequest {
  compose: ComposeRequest;
  /** `--id`; else derived from the project and the git branch or CI. */
  envId?: string | undefined;
  /** Deploy only these services (and what they depend on). */
  services?: readonly string[];
  /** Base image of the agent (default: x-preevy `agent.baseImage`, else the public Node.js image). */
  agentBaseImage?: string | undefined;
  /** Image (sh and tar) of the helpers that copy bind-mounted files to a remote Docker host (default: busybox). */
  syncImage?: string | undefined;
  timeouts?: { tunnelsMs?: number; probeMs?: number };
  /** Aborted when the user interrupts (Ctrl-C): compose is stopped and `up` fails with INTERRUPTED. */
  signal?: AbortSignal | undefined;
}

export interface UpDeps {
  store: ProfileStore;
  profile: Profile;
  driver: DockerHostDriver;
  /**
   * Called once the Docker host answers (no tunnel server is started for an environment that
   * cannot run), with x-preevy's `tunnelServer` when the project names one (above the profile's).
   */
  tunnel: (projectTunnelUrl: string | undefined) => Promise<TunnelEndpoint>;
  agentImage: ImageContext;
  progress: ProgressReporter;
  logger: Logger;
  run?: ProcessRunner;
  env?: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<void>;
}

export interface ServiceUrl {
  service: string;
  port: number;
  url: string;
  access: TunnelAccess;
  /** HTTP status of the last probe through the tunnel. */
  httpStatus: number;
}

export interface UpResult {
  envId: string;
  project: string;
  profile: string;
  urls: ServiceUrl[];
  /** On a remote Docker host: what syncing the bind-mounted files did. */
  sync?: SyncCounts & { paths: number };
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Which (service, port) pairs get tunnels, with their access: by the agent's own rule, on the labels it will see. */
const expectedTunnels = (model: ComposeModel, services: readonly string[] | undefined, defaultAccess: TunnelAccess, serviceLabels: ServiceLabels) =>
  Object.values(withServiceLabels(model.services, serviceLabels))
    .filter((s) => !services?.length || services.includes(s.name))
    .flatMap((s) => {
      const { access, ports } = serviceTunnels(publicationOf(s), defaultAccess);
      return ports.map((port) => ({ service: s.name, port, access }));
    });

/**
 * `preevy up`: load and validate the project, ensure the host, build the agent image once per
 * content, deploy with compose (agent injected), wait for the agent's tunnels and probe every
 * URL through the tunnel before reporting it.
 */
export const up = async (request: UpRequest, deps: UpDeps): Promise<UpResult> => {
  const { store, profile, driver, progress, logger, run = execFileRunner, env = process.env, sleep = defaultSleep } = deps;
  const model = await progress.step('Loading the compose project', () => loadComposeModel(request.compose, { runner: run, env }));
  const { config, warnings } = validatePreevyConfig(model);
  for (const w of warnings) logger.warn(w);
  if (config.agent?.image && config.agent.baseImage) {
    throw new PreevyError('x-preevy.agent.image names a ready agent image, so x-preevy.agent.baseImage (to build one from) cannot apply too', {
      code: 'AGENT_IMAGE_CONFLICT',
      kind: 'usage',
      suggestions: ['Keep one of x-preevy.agent.image and x-preevy.agent.baseImage.'],
    });
  }
  // A base image given by flag or environment is above the compose file: it builds the agent.
  if (config.agent?.image && request.agentBaseImage) logger.warn(`--agent-base-image (or PREEVY_AGENT_BASE_IMAGE) ${request.agentBaseImage} is used instead of x-preevy.agent.image ${config.agent.image}`);
  const { id: envId, source } = await resolveEnvId({ flag: request.envId, projectName: model.projectName, env, git: gitRefReader({ runner: run, cwd: model.workingDir, env }) });
  logger.debug('environment id', { envId, source });
  const project = envId;
  const { signal } = request;
  const stopIfInterrupted = (): void => {
    if (!signal?.aborted) return;
    throw new PreevyError(`Interrupted: ${envId} is partly deployed`, {
      code: 'INTERRUPTED',
      kind: 'interrupted',
      suggestions: ['Run `preevy up` again: it resumes.', `Or remove what was created: preevy down --id ${envId}`],
    });
  };
  const labels = environmentLabels({ profileId: profile.name, envId });

  const unknown = (request.services ?? []).filter((s) => !model.services[s]);
  if (unknown.length) {
    throw new PreevyError(`No service named ${unknown.join(', ')} in the project`, {
      code: 'SERVICE_NOT_FOUND',
      kind: 'invalid-input',
      suggestions: [`Services: ${Object.keys(model.services).join(', ')}.`],
    });
  }

  stopIfInterrupted();
  const host = await driver.ensureHost({ envId, profileId: profile.name, labels, progress });
  await using conn = await driver.connect(host);
  const tunnel = await progress.step('Starting the tunnel', () => deps.tunnel(config.tunnelServer));
  const docker = dockerCli(run, conn.dockerHost, model.workingDir);

  const serviceLabels = serviceSettingLabels(config.services);
  // x-preevy `agent.image`: the user's own agent image, used as it is (the host pulls it if it must).
  const agentImageTag = request.agentBaseImage ? undefined : config.agent?.image;
  const agent = agentImageTag ? { tag: agentImageTag } : await progress.step('Preparing the agent image', () =>
    ensureImage({
      repository: 'preevy/agent',
      context: deps.agentImage,
      buildArgs: { BASE_IMAGE: request.agentBaseImage ?? config.agent?.baseImage ?? DEFAULT_AGENT_BASE_IMAGE },
      dockerHost: conn.dockerHost,
      run,
    }),
  );

  const urlOf = (service: string, port: number): string =>
    urlOfLabel(tunnelLabel({ name: serviceTunnelName(service, port), envId, clientId: profile.clientId }), tunnel.baseUrl);
  // Second pass: PREEVY_BASE_URI_* are known only now that the env id is.
  const final = await loadComposeModel(
    { ...request.compose, env: { ...request.compose.env, ...baseUriEnv(Object.values(withServiceLabels(model.services, serviceLabels)), urlOf) } },
    { runner: run, env },
  );

  const defaultAccess = config.access ?? 'public';
  const work = join(preevyHome(env), 'work', profile.name, envId);
  await mkdir(work, { recursive: true, mode: 0o700 });
  const agentKey = await store.readPrivateKey(profile.name);
  const composeFile = join(work, 'compose.json');
  // A remote engine cannot see local bind sources: copy them to the host and point the mounts there.
  const syncPaths = isLocalEngine(conn.dockerHost) ? [] : bindSources(final, request.services);
  let raw = final.raw;
  let sync: UpResult['sync'];
  if (syncPaths.length) {
    const synced = await progress.step(`Syncing ${syncPaths.length} bind-mounted path(s)`, () =>
      syncBindMounts({ model: final, envId, docker, labels, services: request.services, syncImage: request.syncImage }),
    );
    const { sent, unchanged, deleted, bytes } = synced;
    sync = { paths: syncPaths.length, sent, unchanged, deleted, bytes };
    logger.info(`synced bind-mounted files: ${sent} sent (${bytes} bytes), ${unchanged} unchanged, ${deleted} deleted`);
    raw = rewriteBindMounts(final.raw, synced.mapping);
  }
  const deployed = transformModel({ raw, envId, project, labels, agentImage: agent.tag, tunnel, defaultAccess, serviceLabels });
  await writeFile(composeFile, JSON.stringify(deployed, null, 2));

  const envs = store.envs(profile.name);
  await envs.update(envId, (prev) => ({ envId, composeProject: project, driver: driver.name, status: 'provisioning', urls: prev?.urls ?? [] }));

  stopIfInterrupted();
  const targets = request.services?.length ? [...request.services, AGENT_SERVICE] : [];
  await progress.step('Starting services (docker compose up)', async () => {
    // The signal stops compose itself: an abandoned compose would go on changing the environment.
    const res = await run('docker', ['compose', '-p', project, '-f', composeFile, 'up', '-d', '--build', '--remove-orphans', '--wait', ...targets], {
      env: { ...process.env, ...(conn.dockerHost ? { DOCKER_HOST: conn.dockerHost } : {}), [AGENT_KEY_ENV]: agentKey },
      cwd: model.workingDir,
      ...(signal ? { signal } : {}),
    });
    if (res.exitCode !== 0 || signal?.aborted) {
      await envs.update(envId, (prev) => ({ envId, composeProject: project, driver: driver.name, status: 'failed', urls: prev?.urls ?? [] }));
      stopIfInterrupted();
      throw composeUpError(res.stderr, { envId, project });
    }
  });

  const expected = expectedTunnels(final, request.services, defaultAccess, serviceLabels);
  const state = await progress.step(`Waiting for ${expected.length} tunnel(s)`, async () => {
    const deadline = Date.now() + (request.timeouts?.tunnelsMs ?? 60_000);
    for (;;) {
      stopIfInterrupted();
      const s = await readAgentState(docker, envId);
      const active = 'error' in s ? [] : s.tunnels.filter((t) => t.state === 'active' && t.url);
      if (expected.every((e) => active.some((t) => t.service === e.service && t.port === e.port))) return active;
      if (Date.now() > deadline) {
        const why = 'error' in s ? s.error : (s.lastError ?? s.dockerError ?? s.rejected?.map((r) => `${r.name}: ${r.reason}`).join('; ') ?? `agent is ${s.status}`);
        throw new PreevyError(`The agent did not open every tunnel in time (${why})`, {
          code: 'TUNNELS_NOT_READY',
          kind: 'unavailable',
          suggestions: [`Check the agent's log: docker compose -p ${project} logs ${AGENT_SERVICE}`, 'Check that the tunnel server is reachable from the Docker host.'],
        });
      }
      await sleep(250);
    }
  });

  stopIfInterrupted();
  const token = (): string => envShareToken({ privateKeyText: agentKey, profile, envId, expiresInSeconds: 300 });
  const urls = await progress.step('Probing every URL through the tunnel', () =>
    Promise.all(
      expected.map(async (e): Promise<ServiceUrl> => {
        const url = state.find((t) => t.service === e.service && t.port === e.port)!.url!;
        const deadline = Date.now() + (request.timeouts?.probeMs ?? 60_000);
        for (;;) {
          const status = await probeUrl(url, e.access === 'private' ? { headers: { Authorization: `Bearer ${token()}` } } : {});
          // Any answer from the service counts; 502 is the tunnel saying the service refused.
          if (status > 0 && status !== 502 && status !== 503) return { ...e, url, httpStatus: status };
          if (Date.now() > deadline) return { ...e, url, httpStatus: status };
          await sleep(250);
        }
      }),
    ),
  );
  const dead = urls.filter((u) => u.httpStatus === 0 || u.httpStatus === 502 || u.httpStatus === 503);
  await envs.update(envId, () => ({
    envId,
    composeProject: project,
    driver: driver.name,
    status: 'up',
    urls: urls.map(({ service, port, url }) => ({ service, port, url })),
  }));
  for (const d of dead) logger.warn(`${d.url} did not answer through the tunnel (status ${d.httpStatus || 'none'}): is ${d.service} listening on port ${d.port}?`);
  return { envId, project, profile: profile.name, urls, ...(sync ? { sync } : {}) };
};
