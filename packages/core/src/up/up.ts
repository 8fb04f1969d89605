import { agentStatePort, serviceTunnelName, tunnelLabel, urlOfLabel } from '@preevy/tunnel-protocol';
import { envInfoFromEnv } from '../env-id/env-info.js';
import { engineAnswers, LOCAL_ENGINE } from '../images/inspect-image.js';
import { dockerProcessRunner } from '../process/compose-plugin.js';
import { pipeProcesses } from '../process/pipe-processes.js';
import { agentStateReader, dockerCli } from './agent-state-reader.js';
import { buildLocally, withBuildTags } from './build-locally.js';
import { deploy, syncFiles } from './deploy.js';
import { ensureHost } from './ensure-host.js';
import { imageSource } from './image-source.js';
import { baseUriMemo, interpolateBaseUris } from './interpolate-base-uris.js';
import { loadProject } from './load-project.js';
import { pollUntil, realClock } from './poll-until.js';
import { prepareAgentImage } from './prepare-agent-image.js';
import { answered, probeUrls, shareTokenSigner } from './probe-urls.js';
import { recordEnv } from './record-env.js';
import { imagesToSend, sendImages } from './send-images.js';
import { checkTunnelReach } from './tunnel-reach.js';
import type { UpBaseContext, UpContext, UpDeps, UpRequest, UpResult } from './up-context.js';
import { accessRules, expectedTunnels, waitForTunnels } from './wait-for-tunnels.js';

export type { ServiceUrl, UpDeps, UpRequest, UpResult } from './up-context.js';

/**
 * `preevy up`: load and validate the project, ensure the host, build the agent image once per
 * content (by the local engine for a host that cannot see local files, then sent there with the
 * images it lacks), deploy with compose (agent injected), wait for the agent's tunnels and probe every
 * URL through the tunnel before reporting it. Each step is a function of its own, in this order.
 */
export const up = async (request: UpRequest, deps: UpDeps): Promise<UpResult> => {
  const { store, profile, driver, driverOptionTypes, progress, logger, run = dockerProcessRunner, pipe = pipeProcesses, env = process.env, clock = realClock } = deps;
  const base: UpBaseContext = { request, store, profile, driverOptionTypes, progress, logger, run, pipe, env, clock, poll: pollUntil(clock) };
  const agentImage = Promise.resolve(deps.agentImage);
  // Awaited by the agent image step; this only keeps a failure before that step from also being an unhandled rejection.
  agentImage.catch(() => {});

  // 1-3. The compose model, x-preevy and the env id.
  const memo = baseUriMemo(base);
  const loaded = await loadProject(base, await memo.read());
  const { config } = loaded;
  const { envId, stopIfInterrupted } = loaded.target;

  // 4. The driver x-preevy chose, whether its agent can reach the tunnel server, the Docker host.
  const ctx: UpContext = { ...base, driver: await driver({ project: config, projectDir: loaded.model.workingDir }) };
  checkTunnelReach(ctx.driver, config.tunnelServer ?? profile.tunnelUrl);
  const ensured = await ensureHost(ctx, loaded.target);
  await using conn = ensured.conn;
  const target = { ...loaded.target, host: ensured.host };
  // Asked now, answered while the tunnel starts: a host that cannot see local files gets its images from the local engine.
  const localAnswers = conn.seesLocalFiles ? undefined : engineAnswers(run, LOCAL_ENGINE, env);
  const tunnel = await progress.step('Starting the tunnel', () => deps.tunnel(config.tunnelServer));
  const docker = dockerCli(run, conn.dockerHost, loaded.model.workingDir);

  // 5-6. The agent image, the URLs interpolated into the model, images sent to a remote host, bind-mounted files on the host.
  const urlOf = (service: string, port: number): string =>
    urlOfLabel(tunnelLabel({ name: serviceTunnelName(service, port), envId, clientId: profile.clientId }), tunnel.baseUrl);
  const { defaultAccess, serviceLabels } = accessRules(config);
  const source = await imageSource(ctx, conn, localAnswers);
  const agent = await prepareAgentImage(ctx, config, agentImage, source.buildOn.dockerHost);
  const final = await interpolateBaseUris(ctx, loaded, urlOf, serviceLabels);
  await memo.write(final.baseUris);
  const built = source.send && request.buildLocal ? await buildLocally(ctx, target, final.model) : {};
  const images = source.send
    ? await sendImages(ctx, target, conn, imagesToSend({ model: final.model, services: request.services, agent: { tag: agent.tag, builtLocally: agent.ensured }, built, loadImages: request.loadImages, syncImage: request.syncImage }))
    : {};
  const synced = await syncFiles(ctx, target, final.model, docker, conn);
  // Built services deploy as the images just sent: without `build:` the host cannot rebuild them.
  const raw = withBuildTags(synced.raw, built, { dropBuild: true });
  const { sync } = synced;

  // 7. docker compose up, the agent injected.
  const agentKey = await store.readPrivateKey(profile.name);
  // For the index page; only changes with the commit, so an unchanged `up` keeps the agent as it is.
  const envInfo = await envInfoFromEnv(env);
  await deploy(ctx, target, { raw, workingDir: loaded.model.workingDir, agentImage: agent.tag, agentKey, tunnel, defaultAccess, serviceLabels, dockerHost: conn.dockerHost, envInfo });

  // 8. The agent's tunnels, then every URL probed through its tunnel.
  const expected = expectedTunnels(final.model, request.services, defaultAccess, serviceLabels);
  const loopbackPort = tunnel.agentNetwork === 'host' && conn.seesLocalFiles ? agentStatePort(envId, 'host') : undefined;
  const active = await waitForTunnels(ctx, target, expected, agentStateReader({ docker, envId, project: target.project, loopbackPort }));
  stopIfInterrupted();
  const urls = await probeUrls(ctx, target, expected, active, shareTokenSigner(profile, agentKey, envId));

  // Recorded as up even when a URL did not answer: the environment exists; the warning says which.
  await recordEnv(ctx, target, 'up', urls);
  for (const d of urls.filter((u) => !answered(u.httpStatus))) {
    logger.warn(`${d.url} did not answer through the tunnel (status ${d.httpStatus || 'none'}): is ${d.service} listening on port ${d.port}?`);
  }
  return { envId, project: target.project, profile: profile.name, urls, ...(sync ? { sync } : {}), ...images };
};
