import { createHash } from 'node:crypto';
import { agentEnvironment, COMPOSE_LABELS, LABELS, parsePortList, parseTunnelList, SERVICE_LABELS, serviceTunnelName } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/preevy-error.js';
import type { HostSelfStop } from '../driver/docker-host-driver.js';
import { packArchive } from '../sync/pack-archive.js';
import { AGENT_KEY_SECRET, agentSettings, type TunnelEndpoint } from '../up/agent-service.js';
import { agentContainerName, readAgentState, type AgentStateReading, type DockerCli } from '../up/agent-state-reader.js';
import type { Poll } from '../up/poll-until.js';
import { assertUniqueNames, tunnelLabelsByService, WORKSPACE_SERVICE, type WorkspacePort } from './workspace-port-names.js';

export { WORKSPACE_SERVICE } from './workspace-port-names.js';

/**
 * Labels for a single-container workspace that make the preview agent's discovery publish exactly
 * its forwarded ports, under their names, private unless the user says otherwise: the agent's one rule, no copy of it.
 */
export const discoveryLabels = (project: string, ports: readonly WorkspacePort[]): Record<string, string> =>
  ports.length
    ? {
        [COMPOSE_LABELS.project]: project,
        [COMPOSE_LABELS.service]: WORKSPACE_SERVICE,
        [SERVICE_LABELS.expose]: ports.map((p) => p.port).join(','),
        [SERVICE_LABELS.access]: 'private',
        [LABELS.tunnels]: tunnelLabelsByService(ports)[WORKSPACE_SERVICE] ?? '',
      }
    : {};

/** A container of the discovery project as one `docker inspect` shows it. */
export interface ProjectContainer {
  id: string;
  name: string;
  running: boolean;
  labels: Record<string, string>;
  networks: string[];
  /** Container ports published over TCP on the host. */
  publishedTcpPorts: number[];
}

interface InspectJson {
  Id: string;
  Name: string;
  State?: { Running?: boolean };
  Config?: { Labels?: Record<string, string> | null };
  NetworkSettings?: { Networks?: Record<string, unknown> | null; Ports?: Record<string, { HostPort?: string }[] | null> | null };
}

/** The containers of `docker inspect` output. Pure. */
export const parseInspect = (stdout: string): ProjectContainer[] =>
  (JSON.parse(stdout) as InspectJson[]).map((c) => ({
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    running: c.State?.Running === true,
    labels: c.Config?.Labels ?? {},
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
    publishedTcpPorts: Object.entries(c.NetworkSettings?.Ports ?? {}).flatMap(([key, bindings]) => {
      const m = /^(\d+)\/tcp$/.exec(key);
      return m && bindings?.some((b) => b.HostPort) ? [Number(m[1])] : [];
    }),
  }));

/**
 * The ports the agent will publish for these containers, with their names: the same rule as its
 * discovery (`preevy.expose` else the published TCP ports, plus the `dev.preevy.tunnels` ports),
 * so `up` knows which URLs to wait for. Pure; throws when two would share a name.
 */
export const expectedWorkspacePorts = (containers: readonly ProjectContainer[]): WorkspacePort[] => {
  const out: WorkspacePort[] = [];
  const seen = new Set<string>();
  // By service name, then port: the same order on every up, whatever order the engine lists them in.
  const serviceOf = (c: ProjectContainer) => c.labels[COMPOSE_LABELS.service] ?? '';
  for (const c of [...containers].sort((a, b) => serviceOf(a).localeCompare(serviceOf(b)))) {
    const service = c.labels[COMPOSE_LABELS.service];
    if (!c.running || !service || c.labels[LABELS.agent] === 'true' || seen.has(service)) continue;
    seen.add(service);
    const expose = c.labels[SERVICE_LABELS.expose];
    const names = new Map(parseTunnelList(c.labels[LABELS.tunnels] ?? '').entries.map((e) => [e.port, e.name]));
    const ports = new Set([...(expose === undefined ? c.publishedTcpPorts : parsePortList(expose).ports), ...names.keys()]);
    for (const port of [...ports].sort((a, b) => a - b)) out.push({ service, port, name: names.get(port) ?? serviceTunnelName(service, port) });
  }
  assertUniqueNames(out);
  return out;
};

export interface PublishRequest {
  envId: string;
  /** The workspace volume: mounted read-only into the agent, which reads the SSH activity file in it. */
  volume: string;
  /** Stop the workspace container after this many seconds without activity. */
  idleTimeoutSeconds?: number | undefined;
  /** After the idle stop the agent stops the host too (kube-pod: scale to zero). */
  hostSelfStop?: HostSelfStop | undefined;
  /** The discovery project: the env id for a single-container devcontainer, the compose project for a compose one. */
  project: string;
  /** The project's containers when the caller has just listed them (else listed here). */
  containers?: readonly ProjectContainer[] | undefined;
  /** The devcontainer's container (the idle stop's). */
  container: string;
  /** What devcontainer.json forwards (decides the agent's settings; the URLs waited for also include published ports). */
  ports: readonly WorkspacePort[];
  labels: Readonly<Record<string, string>>;
  tunnel: TunnelEndpoint;
  agentImage: string;
  /** The profile's private key (the agent's SSH identity); copied into the agent container, never logged. */
  agentKey: string;
  docker: DockerCli;
  poll: Poll;
  deadline: number;
  signal?: AbortSignal | undefined;
}

export interface WorkspaceUrl {
  service: string;
  port: number;
  name: string;
  url: string;
}

const AGENT_CONFIG_LABEL = `${LABELS.agent}.config`;

const failed = (what: string, detail: string): PreevyError =>
  new PreevyError(`Publishing the workspace ports failed: ${what}`, {
    code: 'WORKSPACE_PORTS_FAILED',
    kind: 'unavailable',
    suggestions: ['Check that the tunnel server is reachable from the Docker host; run again with --debug.'],
    cause: new Error(detail.trim()),
  });

/** Where the agent sees the workspace volume, and the activity file the workspace SSH server touches in it. */
const VOLUME_IN_AGENT = '/workspace-volume';
export const ACTIVITY_FILE = '.preevy/activity';

/** Every container of the discovery project, the agent included: two docker calls, whatever their number. */
export const projectContainers = async (docker: DockerCli, project: string): Promise<ProjectContainer[]> => {
  const ps = await docker(['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=${COMPOSE_LABELS.project}=${project}`]);
  if (ps.exitCode !== 0) throw failed('could not list the workspace containers', ps.stderr);
  const ids = ps.stdout.split('\n').filter(Boolean);
  if (!ids.length) return [];
  const inspected = await docker(['inspect', ...ids]);
  // A container removed between the two calls makes inspect fail for it only: the rest still print.
  return parseInspect(inspected.stdout.trim() || '[]');
};

/**
 * The agent beside a workspace (made only when its settings changed): the same agent as a
 * preview's, publishing the forwarded ports and every port a compose service publishes as tunnel
 * URLs that work with no laptop connected, stopping the container when idle, and reporting the
 * SSH activity in its `lastActivityAt`. Its state is polled until every port has a URL. With
 * nothing changed it costs one `docker ps`, one `docker inspect` and one read of the agent's state.
 */
export const runWorkspaceAgent = async (req: PublishRequest): Promise<WorkspaceUrl[]> => {
  const { envId, project, container, ports, labels, tunnel, docker } = req;
  const selfStop = req.idleTimeoutSeconds ? req.hostSelfStop : undefined;
  const name = agentContainerName(envId);
  const network = `preevy-ws-${envId}`;
  const settings = { ports: ports.map((p) => `${p.service}:${p.port}=${p.name}`), project, image: req.agentImage, tunnel: { ...tunnel, baseUrl: tunnel.baseUrl.href }, container, idle: req.idleTimeoutSeconds, selfStop: req.hostSelfStop, volume: req.volume };
  const hash = createHash('sha256').update(JSON.stringify(settings)).update(req.agentKey).digest('hex').slice(0, 16);
  const containers = req.containers ?? (await projectContainers(docker, project));
  const agent = containers.find((c) => c.name === name);
  const upToDate = agent?.labels[AGENT_CONFIG_LABEL] === hash;
  // One left from another project (a compose devcontainer moved) is not in the list: removed by name.
  if (!upToDate) await docker(['rm', '--force', name]);

  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const expected = expectedWorkspacePorts(containers);
  if (tunnel.agentNetwork !== 'host') {
    // A network of their own, so the agent dials the workspace's services and nothing else.
    const members = containers.filter((c) => c.labels[LABELS.agent] !== 'true' && (c.id === container || expected.some((p) => p.service === c.labels[COMPOSE_LABELS.service])));
    if (!containers.some((c) => c.networks.includes(network))) {
      const made = await docker(['network', 'create', ...labelArgs, network]);
      if (made.exitCode !== 0 && !/already exists/.test(made.stderr)) throw failed(`could not create network ${network}`, made.stderr);
    }
    for (const c of members.filter((m) => !m.networks.includes(network))) {
      const joined = await docker(['network', 'connect', network, c.id]);
      if (joined.exitCode !== 0 && !/already exists/.test(joined.stderr)) throw failed(`could not attach ${c.name} to the workspace network`, joined.stderr);
    }
  }
  if (!upToDate) {
    const env = agentEnvironment({
      ...agentSettings({ tunnel, envId, project, defaultAccess: 'private' }),
      ...(req.idleTimeoutSeconds ? { idleStop: { container, timeoutSeconds: req.idleTimeoutSeconds, ...(selfStop ? { scaleDeployment: selfStop.scaleDeployment } : {}) } } : {}),
      // Always: a machine's own idle stop reads the SSH sessions from the agent's lastActivityAt.
      activityFile: `${VOLUME_IN_AGENT}/${ACTIVITY_FILE}`,
    });
    const selfEnv = selfStop ? Object.entries(selfStop.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]) : [];
    const selfMounts = selfStop ? selfStop.mounts.flatMap((m) => ['--volume', `${m}:${m}:ro`]) : [];
    const created = await docker([
      'create', '--name', name, '--restart', 'unless-stopped', ...selfEnv, ...selfMounts,
      ...labelArgs, '--label', `${LABELS.agent}=true`, '--label', `${COMPOSE_LABELS.project}=${project}`, '--label', `${AGENT_CONFIG_LABEL}=${hash}`,
      ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      '--volume', '/var/run/docker.sock:/var/run/docker.sock:ro',
      '--volume', `${req.volume}:${VOLUME_IN_AGENT}:ro`,
      '--network', tunnel.agentNetwork === 'host' ? 'host' : network,
      req.agentImage,
    ]);
    if (created.exitCode !== 0) throw failed('could not create the agent container', created.stderr);
    // The key goes in by `docker cp` (an API upload), never as an argument, a variable or a host file.
    const key = packArchive([{ type: 'content', name: `run/secrets/${AGENT_KEY_SECRET}`, content: req.agentKey, mode: 0o400, mtime: new Date() }]);
    const copied = await docker(['cp', '-', `${name}:/`], { input: key });
    if (copied.exitCode !== 0) throw failed('could not give the agent its key', copied.stderr);
  }
  if (!upToDate || !agent.running) {
    const started = await docker(['start', name]);
    if (started.exitCode !== 0) throw failed('could not start the agent', started.stderr);
  }

  if (!expected.length) return [];
  const hasUrl = (s: Exclude<AgentStateReading, { error: string }>, p: WorkspacePort) => s.tunnels.some((t) => t.service === p.service && t.port === p.port && t.state === 'active' && t.url);
  const out = await req.poll(
    () => readAgentState(docker, envId, envId),
    (s: AgentStateReading) => !('error' in s) && expected.every((p) => hasUrl(s, p)),
    { signal: req.signal, deadline: req.deadline, interrupted: () => new PreevyError('Interrupted while the workspace ports opened', { code: 'INTERRUPTED', kind: 'interrupted' }) },
  );
  if (!out.good) {
    const s = out.last;
    const why = 'error' in s ? s.error : (s.lastError ?? s.dockerError ?? s.rejected?.map((r) => `${r.name}: ${r.reason}`).join('; ') ?? `agent is ${s.status}`);
    const logs = await docker(['logs', '--tail', '20', name]);
    throw failed('the agent did not open every tunnel in time', `${why}\n${logs.stdout}${logs.stderr}`);
  }
  const state = out.value as Exclude<AgentStateReading, { error: string }>;
  return expected.map((p) => ({ ...p, url: state.tunnels.find((t) => t.service === p.service && t.port === p.port && t.url)!.url! }));
};
