import { createHash } from 'node:crypto';
import { agentEnvironment, COMPOSE_LABELS, LABELS, SERVICE_LABELS } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/preevy-error.js';
import type { HostSelfStop } from '../driver/docker-host-driver.js';
import type { DevcontainerJson } from './devcontainer-config.js';
import { packArchive } from '../sync/pack-archive.js';
import { AGENT_KEY_SECRET, agentSettings, type TunnelEndpoint } from '../up/agent-service.js';
import { agentContainerName, readAgentState, type AgentStateReading, type DockerCli } from '../up/agent-state-reader.js';
import type { Poll } from '../up/poll-until.js';

/** The compose service name the workspace container shows the agent: the URL's first label is `workspace-<port>`. */
export const WORKSPACE_SERVICE = 'workspace';

/** The container ports of `forwardPorts` (entries `host:port` name other compose services: not published here yet). Pure. */
export const forwardedPorts = (json: Pick<DevcontainerJson, 'forwardPorts'>): number[] =>
  [...new Set((json.forwardPorts ?? []).flatMap((p) => (typeof p === 'number' ? [p] : /^\d+$/.test(p) ? [Number(p)] : [])))].sort((a, b) => a - b);

/**
 * Labels for the workspace container that make the preview agent's discovery publish its
 * forwarded ports, private unless the user says otherwise: the agent's one rule, no copy of it.
 */
export const discoveryLabels = (project: string, ports: readonly number[]): Record<string, string> =>
  ports.length ? { [COMPOSE_LABELS.project]: project, [COMPOSE_LABELS.service]: WORKSPACE_SERVICE, [SERVICE_LABELS.expose]: ports.join(','), [SERVICE_LABELS.access]: 'private' } : {};

export interface PublishRequest {
  envId: string;
  /** The workspace volume: mounted read-only into the agent, which reads the SSH activity file in it. */
  volume: string;
  /** Stop the workspace container after this many seconds without activity. */
  idleTimeoutSeconds?: number | undefined;
  /** After the idle stop the agent stops the host too (kube-pod: scale to zero). */
  hostSelfStop?: HostSelfStop | undefined;
  /** The discovery project (the env id for a single-container devcontainer). */
  project: string;
  container: string;
  ports: readonly number[];
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
  port: number;
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

/**
 * The agent beside a workspace (made only when its settings changed): the same agent as a
 * preview's, publishing the forwarded ports as tunnel URLs that work with no laptop connected,
 * stopping the container when idle, and reporting the SSH activity in its `lastActivityAt`. Its state is polled until every port has a URL.
 */
export const runWorkspaceAgent = async (req: PublishRequest): Promise<WorkspaceUrl[]> => {
  const { envId, project, container, ports, labels, tunnel, docker } = req;
  const selfStop = req.idleTimeoutSeconds ? req.hostSelfStop : undefined;
  const name = agentContainerName(project);
  const network = `preevy-ws-${envId}`;
  const settings = { ports, image: req.agentImage, tunnel: { ...tunnel, baseUrl: tunnel.baseUrl.href }, container, idle: req.idleTimeoutSeconds, selfStop: req.hostSelfStop, volume: req.volume };
  const hash = createHash('sha256').update(JSON.stringify(settings)).update(req.agentKey).digest('hex').slice(0, 16);
  const current = await docker(['inspect', '--format', `{{index .Config.Labels "${AGENT_CONFIG_LABEL}"}}`, name]);
  const upToDate = current.exitCode === 0 && current.stdout.trim() === hash;
  if (!upToDate && current.exitCode === 0) await docker(['rm', '--force', name]);

  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  if (tunnel.agentNetwork !== 'host') {
    // A network of their own, so the agent dials the workspace and nothing else.
    const exists = await docker(['network', 'inspect', '--format', '{{.Name}}', network]);
    if (exists.exitCode !== 0) {
      const made = await docker(['network', 'create', ...labelArgs, network]);
      if (made.exitCode !== 0) throw failed(`could not create network ${network}`, made.stderr);
    }
    const joined = await docker(['network', 'connect', network, container]);
    if (joined.exitCode !== 0 && !/already exists/.test(joined.stderr)) throw failed('could not attach the workspace to its network', joined.stderr);
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
    const started = await docker(['start', name]);
    if (started.exitCode !== 0) throw failed('could not start the agent', started.stderr);
  }

  if (!ports.length) return [];
  const out = await req.poll(
    () => readAgentState(docker, envId, project),
    (s: AgentStateReading) => !('error' in s) && ports.every((p) => s.tunnels.some((t) => t.port === p && t.state === 'active' && t.url)),
    { signal: req.signal, deadline: req.deadline, interrupted: () => new PreevyError('Interrupted while the workspace ports opened', { code: 'INTERRUPTED', kind: 'interrupted' }) },
  );
  if (!out.good) {
    const s = out.last;
    const why = 'error' in s ? s.error : (s.lastError ?? s.dockerError ?? s.rejected?.map((r) => `${r.name}: ${r.reason}`).join('; ') ?? `agent is ${s.status}`);
    const logs = await docker(['logs', '--tail', '20', name]);
    throw failed('the agent did not open every tunnel in time', `${why}\n${logs.stdout}${logs.stderr}`);
  }
  const state = out.value as Exclude<AgentStateReading, { error: string }>;
  return ports.map((port) => ({ port, url: state.tunnels.find((t) => t.port === port && t.url)!.url! }));
};
