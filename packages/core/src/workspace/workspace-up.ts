import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { authorizedKeyLine, COMPOSE_LABELS, DEFAULT_AGENT_BASE_IMAGE, environmentLabels, generateOpenSshEd25519, LABELS } from '@preevy/tunnel-protocol';
import type { DriverResolver } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import { ensureImage, type ImageContext } from '../images/ensure-image.js';
import { LOCAL_ENGINE } from '../images/inspect-image.js';
import { transferImages } from '../images/transfer-images.js';
import type { Logger } from '../logger.js';
import { pipeProcesses, type ProcessPipe } from '../process/pipe-processes.js';
import { execFileRunner, type ProcessRunner } from '../process/process-runner.js';
import type { Profile, ProfileStore } from '../profiles/profile-store.js';
import type { WorkspaceRecord } from '../profiles/profile-schema.js';
import type { ProgressReporter } from '../progress.js';
import { packArchive } from '../sync/pack-archive.js';
import { DEFAULT_SYNC_IMAGE, syncToVolume, type SyncCounts } from '../sync/sync-bind-mounts.js';
import type { TunnelEndpoint } from '../up/agent-service.js';
import { agentContainerName, dockerCli, type DockerCli } from '../up/agent-state-reader.js';
import { pollUntil, realClock, type PollClock } from '../up/poll-until.js';
import { envWorkDir } from '../up/env-work-dir.js';
import { loadDevcontainerConfig, type DevcontainerConfig } from './devcontainer-config.js';
import { devcontainerUp } from './devcontainer-cli.js';
import { ensurePrebuiltImage, fromPrebuiltImage, isPrebuildTag, withBuildReset } from './prebuild-image.js';
import { syncComposeBinds, type ComposeBindsSync } from './compose-binds.js';
import { checkoutGitSource, isGitUrl, parseGitSource } from './git-source.js';
import { ACTIVITY_FILE, discoveryLabels, expectedWorkspacePorts, projectContainers, runWorkspaceAgent, type WorkspaceUrl } from './workspace-ports.js';
import { forwardedWorkspacePorts, tunnelLabelsByService, WORKSPACE_SERVICE } from './workspace-port-names.js';
import { credentialsState as workspaceCredentialsState, installWorkspaceCredentials, type WorkspaceCredentialsSetup } from './credentials-install.js';
import { ensureWorkspaceRuntime, RUNTIME_MOUNT, RUNTIME_VOLUME } from './workspace-runtime.js';
import { WORKSPACES_MOUNT, workspaceIds, type WorkspaceIds } from './workspace-names.js';

export interface WorkspaceUpRequest {
  /** The local folder with the sources and the devcontainer.json, or a git URL (`URL#ref`) to fetch them from. */
  folder: string;
  configFile?: string | undefined;
  /** Default: from the folder's name. */
  name?: string | undefined;
  /** git/docker credential helpers and the CI token to set up in the container; absent: left as they are. */
  credentials?: WorkspaceCredentialsSetup | undefined;
  /** Node.js image the runtime is built from (default: the agent's base image). */
  runtimeBaseImage?: string | undefined;
  syncImage?: string | undefined;
  /** On a host that cannot see local files: local images to send there first (e.g. the Dockerfile's base image). */
  loadImages?: readonly string[] | undefined;
  /** Images whose layers the devcontainer build may reuse (`--cache-from`). */
  cacheFrom?: readonly string[] | undefined;
  /** `containerInactivityTimeout`: stop the container after this many seconds with no SSH session, exec or tunnel visitor; 0 turns it off; absent: as recorded. */
  idleTimeoutSeconds?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface WorkspaceUpDeps {
  store: ProfileStore;
  profile: Profile;
  driver: DriverResolver;
  /** The runtime image's inputs; a promise lets the caller load it meanwhile. */
  runtime: ImageContext | Promise<ImageContext>;
  /** The preview agent's image inputs: it publishes `forwardPorts` as tunnel URLs. */
  agentImage: ImageContext | Promise<ImageContext>;
  /** Where agents publish (asked only when there are ports to publish). */
  tunnel: () => Promise<TunnelEndpoint>;
  clock?: PollClock;
  progress: ProgressReporter;
  logger: Logger;
  run?: ProcessRunner;
  pipe?: ProcessPipe;
  env?: NodeJS.ProcessEnv;
}

export interface WorkspaceUpResult {
  name: string;
  envId: string;
  containerId: string;
  remoteUser: string;
  workspaceFolder: string;
  /** True when the container was made (or remade) by this run. */
  created: boolean;
  sync: SyncCounts;
  /** A tunnel URL per forwarded port (private: open them with a share link). */
  urls: WorkspaceUrl[];
}

/** Hash of what decides the container (the config as given to the CLI, the Dockerfile, the mounts): a change remakes it. Pure. */
export const configHash = (parts: readonly (string | undefined)[]): string => {
  const h = createHash('sha256');
  for (const part of parts) h.update(`${part ?? ''}\0`);
  return h.digest('hex').slice(0, 16);
};

const CONFIG_LABEL = `${LABELS.envId}.config`;

/** Inside the workspace volume, so it survives a remade container; the agent reads it. */
export const HOST_KEY_PATH = `${WORKSPACES_MOUNT}/.preevy/ssh_host_ed25519_key`;

/**
 * `preevy workspace up`: the devcontainer of a local folder on the profile's Docker host (any
 * driver): the host ensured, the runtime installed, the sources synced into the workspace volume,
 * the container built and started by the reference CLI (remade only when its config changed),
 * its SSH host key placed, and the record written.
 */
export const workspaceUp = async (request: WorkspaceUpRequest, deps: WorkspaceUpDeps): Promise<WorkspaceUpResult> => {
  const { store, profile, progress, run = execFileRunner, pipe = pipeProcesses, env = process.env, clock = realClock } = deps;
  const fromGit = isGitUrl(request.folder);
  const ids = workspaceIds(request.name ?? (fromGit ? parseGitSource(request.folder).repo : resolve(request.folder)));
  const { envId, name, volume } = ids;
  // A git URL is fetched by this machine's git (and its credentials) into the workspace's own folder, then synced like any folder.
  const folder = fromGit
    ? await progress.step(`Fetching ${request.folder}`, async () => checkoutGitSource(request.folder, join(await envWorkDir({ env, profile }, envId), 'source'), run))
    : resolve(request.folder);
  const config = await loadDevcontainerConfig(folder, request.configFile);
  // The sources keep their folder's name under /workspaces, as `${localWorkspaceFolderBasename}` expects.
  const sourceDir = basename(folder);
  const labels = { ...environmentLabels({ profileId: profile.name, envId }), [LABELS.workspace]: name };
  const envs = store.envs(profile.name);
  const previous = await envs.read(envId);
  if (previous && !previous.workspace) {
    throw new PreevyError(`${envId} is a preview environment, not a workspace`, { code: 'WORKSPACE_NAME_TAKEN', kind: 'conflict', suggestions: ['Pick another name with --name.'] });
  }

  const driver = await deps.driver({ recorded: previous?.driver });
  const recorded = previous?.host?.driver === driver.name ? previous.host : undefined;
  const idleTimeoutSeconds = (request.idleTimeoutSeconds ?? previous?.workspace?.idleTimeoutSeconds) || undefined;
  const host = await driver.ensureHost({ envId, profileId: profile.name, labels, progress, previous: recorded, signal: request.signal, idleSelfStop: Boolean(idleTimeoutSeconds) });
  await using conn = await driver.connect(host);
  const docker = dockerCli(run, conn.dockerHost, folder);
  // No record before the workspace exists: `workspace down` of a failed one finds its resources by labels.

  const syncImage = request.syncImage ?? DEFAULT_SYNC_IMAGE;
  if (!conn.seesLocalFiles) {
    await progress.step('Sending images', () =>
      transferImages({ images: [syncImage, ...(request.loadImages ?? [])], optional: [syncImage], from: LOCAL_ENGINE, to: conn, run, pipe, progress, signal: request.signal }));
  }
  const runtime = await progress.step('Installing the workspace runtime', async () =>
    ensureWorkspaceRuntime({ context: await deps.runtime, baseImage: request.runtimeBaseImage, helperImage: syncImage, conn, docker, run, pipe, progress, signal: request.signal }));
  const sync = await progress.step('Syncing the sources', () =>
    syncToVolume({ sources: [folder], volume, dirOf: () => sourceDir, helperName: `preevy-sync-${envId}`, docker, labels, syncImage }));

  const work = await envWorkDir({ env, profile }, envId);
  const override = join(work, 'devcontainer.json');
  const composeOverride = config.json.dockerComposeFile ? join(work, 'workspace-compose.yaml') : undefined;
  // A host that cannot see this machine's files gets copies of the compose services' other bind mounts.
  const binds = composeOverride && !conn.seesLocalFiles
    ? await progress.step('Syncing the compose bind mounts', () => syncComposeBinds(config, { envId, docker, labels, syncImage }))
    : undefined;
  // Named before anything is made: a clash of URL names is the user's to fix in devcontainer.json.
  const ports = forwardedWorkspacePorts(config.json, composeOverride ? config.json.service! : WORKSPACE_SERVICE, Boolean(composeOverride));
  const composeOf = (prebuiltImage?: string) => workspaceComposeOverride(config.json.service!, volume, binds?.volumes, tunnelLabelsByService(ports), prebuiltImage);
  // The image the service runs is not in the hash (a build-context edit would remake the container): the prebuilt tag joins the file below.
  const composeText = composeOverride ? composeOf() : undefined;
  // The runtime volume: by --mount for one container, in the compose override for compose (where --mount makes a project-scoped copy).
  const mounts = composeOverride ? [] : [`type=volume,source=${RUNTIME_VOLUME},target=${RUNTIME_MOUNT}`];
  const overrideJson = withWorkspaceMount(config, volume, sourceDir, composeOverride);
  const overrideText = `${JSON.stringify(overrideJson, null, 2)}\n`;
  const hash = configHash([overrideText, composeText, await dockerfileText(config), ...mounts]);
  const existing = await containersOf(docker, envId, profile.name);
  const current = existing.find((c) => c.hash === hash);
  // Compose keeps a service's container when asked for it again (--no-recreate): a changed config must remove it first.
  if (!current && composeOverride && existing.length) await docker(['rm', '--force', ...existing.map((c) => c.id)]);
  // A new container starts from the prebuilt image of its build inputs (built first when the host has none).
  // A kept compose one is given the image it runs again: without it, `compose up` would build the service's own image.
  const prebuilt = current
    ? composeOverride ? await runningPrebuilt(docker, current.id) : undefined
    : await ensurePrebuiltImage({ config, folder, cacheFrom: request.cacheFrom ?? [], docker, dockerHost: conn.dockerHost, run, env, progress, signal: request.signal });
  if (composeOverride) await writeFile(composeOverride, composeOf(prebuilt?.tag), { mode: 0o600 });
  await writeFile(override, prebuilt ? `${JSON.stringify(fromPrebuiltImage(overrideJson, prebuilt.tag), null, 2)}\n` : overrideText, { mode: 0o600 });
  const result = await progress.step(current ? 'Starting the devcontainer' : prebuilt ? 'Creating the devcontainer' : 'Building the devcontainer', () =>
    devcontainerUp({
      folder,
      configFile: config.file,
      overrideConfigFile: override,
      // Compose devcontainers keep compose's own labels (their tunnel names are in the compose override).
      idLabels: { ...labels, [CONFIG_LABEL]: hash, ...(composeOverride ? {} : discoveryLabels(envId, ports)) },
      mounts,
      // Nothing to build from a prebuilt image (and the CLI's compose `cache_from` needs a `build` to sit in).
      cacheFrom: prebuilt ? [] : request.cacheFrom ?? [],
      dockerHost: conn.dockerHost,
      recreate: false,
      run,
      env,
      signal: request.signal,
    }));
  // A config change made a new container beside the old one: the old one goes.
  const stale = existing.filter((c) => c.id !== result.containerId).map((c) => c.id);
  if (stale.length) await docker(['rm', '--force', ...stale]);
  // The same container set up the same way (the record says so): no exec, which costs a second through kube-pod's port-forward.
  const sameContainer = previous?.workspace?.containerId === result.containerId;
  const credentialsState = request.credentials ? workspaceCredentialsState(runtime, result.remoteUser, request.credentials) : sameContainer ? previous?.workspace?.credentialsState : undefined;
  if (request.credentials && !(sameContainer && previous?.workspace?.credentialsState === credentialsState)) {
    await progress.step('Setting up credential helpers', () => installWorkspaceCredentials(docker, result.containerId, result.remoteUser, runtime, request.credentials!));
  }

  const hostKey = previous?.workspace?.hostKey ?? (await placeHostKey(docker, result.containerId, result.remoteUser, ids));
  // The SSH server (running as the remote user) touches it while sessions are open: the agent's idle watch reads it.
  if (!current || !previous?.workspace) await docker(['exec', '-u', 'root', result.containerId, 'sh', '-c', `touch "$1" && chown "$2": "$1"`, 'sh', `${WORKSPACES_MOUNT}/${ACTIVITY_FILE}`, result.remoteUser]);
  if (sync.sent && result.remoteUser !== 'root') await docker(['exec', '-u', 'root', result.containerId, 'chown', '-R', `${result.remoteUser}:`, `${WORKSPACES_MOUNT}/${sourceDir}`]);
  // The agent publishes the ports, runs the container's idle stop, and tells a machine that stops itself when idle about SSH sessions.
  const composeProject = composeOverride ? (result.composeProjectName ?? (await composeProjectOf(docker, result.containerId)) ?? envId) : envId;
  // A compose devcontainer publishes every port its services publish too: known once they run.
  const projectList = composeOverride ? await projectContainers(docker, composeProject) : undefined;
  const published = projectList ? expectedWorkspacePorts(projectList).length : ports.length;
  const urls = published || idleTimeoutSeconds || conn.stopsWhenIdle
    ? await progress.step(published ? `Publishing ${published} port(s)` : idleTimeoutSeconds ? 'Starting the idle watch' : 'Starting the activity report', async () => {
        const agentContext = await deps.agentImage;
        const onHost = conn.seesLocalFiles ? conn : LOCAL_ENGINE;
        const { tag } = await ensureImage({ repository: 'preevy/agent', context: agentContext, buildArgs: { BASE_IMAGE: request.runtimeBaseImage ?? DEFAULT_AGENT_BASE_IMAGE }, dockerHost: onHost.dockerHost, run });
        if (!conn.seesLocalFiles) await transferImages({ images: [tag], from: LOCAL_ENGINE, to: conn, run, pipe, progress, signal: request.signal });
        return runWorkspaceAgent({
          envId, volume, idleTimeoutSeconds, hostSelfStop: idleTimeoutSeconds ? await conn.idleSelfStop?.() : undefined, project: composeOverride ? composeProject : envId, containers: projectList, container: result.containerId, ports, labels, tunnel: await deps.tunnel(), agentImage: tag,
          agentKey: await store.readPrivateKey(profile.name), docker, poll: pollUntil(clock), deadline: clock.now() + 60_000, signal: request.signal,
        });
      })
    : await removeAgent(docker, envId);
  const workspace: WorkspaceRecord = { name, source: fromGit ? request.folder : folder, containerId: result.containerId, remoteUser: result.remoteUser, workspaceFolder: result.remoteWorkspaceFolder, hostKey, runtimeDir: runtime.dir, ...(idleTimeoutSeconds ? { idleTimeoutSeconds } : {}), ...(credentialsState ? { credentialsState } : {}) };
  await envs.update(envId, () => ({
    envId, composeProject, driver: driver.name, status: 'up', host, deployed: true, workspace,
    urls: urls.map((u) => ({ service: u.service, port: u.port, url: u.url })),
  }));
  return { name, envId, containerId: result.containerId, remoteUser: result.remoteUser, workspaceFolder: result.remoteWorkspaceFolder, created: !current, sync, urls };
};

/** No ports (any more): an agent left from an earlier config goes. */
const removeAgent = async (docker: DockerCli, project: string): Promise<WorkspaceUrl[]> => {
  await docker(['rm', '--force', agentContainerName(project)]);
  return [];
};

/**
 * The user's devcontainer.json with the workspace volume at `/workspaces` and the folder in it: as
 * `workspaceMount` for a single container, or as one more compose file for a compose one. Pure.
 */
export const withWorkspaceMount = (config: DevcontainerConfig, volume: string, sourceDir: string, composeOverride?: string): Record<string, unknown> => {
  const workspaceFolder = config.json.workspaceFolder ?? `${WORKSPACES_MOUNT}/${sourceDir}`;
  const files = config.json.dockerComposeFile;
  if (composeOverride && files !== undefined) return { ...config.json, dockerComposeFile: [...(Array.isArray(files) ? files : [files]), composeOverride], workspaceFolder };
  return { ...config.json, workspaceMount: `type=volume,source=${volume},target=${WORKSPACES_MOUNT}`, workspaceFolder };
};

/**
 * A compose file merged after the user's: the workspace volume at `/workspaces` of the devcontainer
 * service (and the runtime volume at `/.preevy`). Compose merges volumes by target, so it replaces
 * the usual bind of the sources there, which a remote host could not see; `binds` (a remote host)
 * point the services' other bind mounts at their copies there; `prebuiltImage` is the image the
 * devcontainer service runs instead of building. Pure.
 */
export const workspaceComposeOverride = (service: string, volume: string, binds: ComposeBindsSync['volumes'] = {}, tunnels: Record<string, string> = {}, prebuiltImage?: string): string => {
  const mounts = [
    { type: 'volume', source: volume, target: WORKSPACES_MOUNT },
    { type: 'volume', source: RUNTIME_VOLUME, target: RUNTIME_MOUNT },
  ];
  const services: Record<string, { image?: string; build?: null; volumes?: unknown[]; labels?: Record<string, string> }> = Object.fromEntries(Object.entries(binds).map(([name, v]) => [name, { volumes: v }]));
  // The prebuilt image (features in it) with the user's build dropped, so neither the CLI nor compose builds the service.
  services[service] = { ...(prebuiltImage ? { image: prebuiltImage, build: null } : {}), volumes: [...mounts, ...(binds[service] ?? [])] };
  // The ports devcontainer.json forwards and names, per service: the agent publishes them under these names.
  for (const [name, value] of Object.entries(tunnels)) services[name] = { ...services[name], labels: { [LABELS.tunnels]: value } };
  const external = { [volume]: { external: true }, [RUNTIME_VOLUME]: { external: true } };
  return withBuildReset(`${JSON.stringify({ services, volumes: external }, null, 2)}\n`);
};

/** The prebuilt image a kept container runs (undefined: it was built by the CLI itself, e.g. before prebuilt compose images). */
const runningPrebuilt = async (docker: DockerCli, container: string): Promise<{ tag: string } | undefined> => {
  const res = await docker(['inspect', '--format', '{{.Config.Image}}', container]);
  const image = res.stdout.trim();
  return res.exitCode === 0 && isPrebuildTag(image) ? { tag: image } : undefined;
};

/** The compose project a container belongs to (a compose devcontainer), from its label. */
const composeProjectOf = async (docker: DockerCli, container: string): Promise<string | undefined> => {
  const res = await docker(['inspect', '--format', `{{index .Config.Labels "${COMPOSE_LABELS.project}"}}`, container]);
  const project = res.stdout.trim();
  return res.exitCode === 0 && project && project !== '<no value>' ? project : undefined;
};

const dockerfileText = async (config: DevcontainerConfig): Promise<string | undefined> => {
  const dockerfile = config.json.build?.dockerfile ?? config.json.dockerFile;
  if (!dockerfile) return undefined;
  return readFile(resolve(dirname(config.file), dockerfile), 'utf8').catch(() => undefined);
};

/**
 * The workspace's containers on the host, with the config hash each was made from. Its agent
 * carries the same labels but is not one of them: taken for a stale container, it was removed and
 * remade (its tunnels dropped) on every `up`.
 */
const containersOf = async (docker: DockerCli, envId: string, profileId: string): Promise<{ id: string; hash: string }[]> => {
  const res = await docker(['ps', '--all', '--no-trunc', '--filter', `label=${LABELS.envId}=${envId}`, '--filter', `label=${LABELS.profile}=${profileId}`, '--format', `{{.ID}}\t{{.Label "${CONFIG_LABEL}"}}\t{{.Label "${LABELS.agent}"}}`]);
  if (res.exitCode !== 0) throw new PreevyError('Could not list the workspace containers', { code: 'DOCKER_UNREACHABLE', kind: 'unavailable', suggestions: ['Check that the Docker host answers.'], cause: new Error(res.stderr.trim()) });
  return res.stdout.split('\n').filter(Boolean).flatMap((line) => {
    const [id, hash, agent] = line.split('\t') as [string, string, string | undefined];
    return agent === 'true' ? [] : [{ id, hash }];
  });
};

/**
 * A new SSH host key for the workspace, written into its volume (0600, owned by the remote user,
 * who runs the agent) through `docker cp` (never an argument, an env var or a log); returns its public line.
 */
const placeHostKey = async (docker: DockerCli, container: string, user: string, ids: WorkspaceIds): Promise<string> => {
  const key = generateOpenSshEd25519(`preevy-workspace-${ids.name}`);
  const path = HOST_KEY_PATH;
  const dir = path.slice(0, path.lastIndexOf('/'));
  const made = await docker(['exec', '-u', 'root', container, 'mkdir', '-p', dir]);
  if (made.exitCode !== 0) throw hostKeyFailed(made.stderr);
  const archive = packArchive([{ type: 'content', name: path.slice(path.lastIndexOf('/') + 1), content: key.openssh, mode: 0o600, mtime: new Date() }]);
  const copied = await docker(['cp', '-', `${container}:${dir}`], { input: archive });
  if (copied.exitCode !== 0) throw hostKeyFailed(copied.stderr);
  const owned = await docker(['exec', '-u', 'root', container, 'chown', `${user}:`, path]);
  if (owned.exitCode !== 0) throw hostKeyFailed(owned.stderr);
  return authorizedKeyLine(key.publicKey);
};

const hostKeyFailed = (stderr: string) =>
  new PreevyError('Could not place the workspace SSH host key', { code: 'WORKSPACE_HOST_KEY_FAILED', kind: 'unavailable', suggestions: ['Run `preevy workspace up` again; with --debug for docker output.'], cause: new Error(stderr.trim()) });
