import { createHash } from 'node:crypto';
import type { EnvInfo } from './env-metadata.js';
import type { TunnelAccess } from './forward-request.js';

/**
 * What core tells the agent it injects into every environment, defined once: the service name,
 * the environment variables (names and how values are written), the state port and the base image.
 * Core writes with `agentEnvironment`; the agent reads the same names (packages/agent/src/config.ts).
 */

/** The agent's compose service in every environment; discovery skips it. */
export const AGENT_SERVICE = 'preevy_agent';

/** The public base image of the agent; an option wherever core builds it (tests use a local one). */
export const DEFAULT_AGENT_BASE_IMAGE = 'node:20-bookworm-slim';

/** Environment variables the agent reads. */
export const AGENT_ENV = Object.freeze({
  tunnelUrl: 'PREEVY_TUNNEL_URL',
  envId: 'PREEVY_ENV_ID',
  keyFile: 'PREEVY_AGENT_KEY_FILE',
  key: 'PREEVY_AGENT_KEY',
  hostKey: 'PREEVY_TUNNEL_HOST_KEY',
  project: 'COMPOSE_PROJECT',
  defaultAccess: 'PREEVY_DEFAULT_ACCESS',
  statePort: 'PREEVY_AGENT_STATE_PORT',
  stateHost: 'PREEVY_AGENT_STATE_HOST',
  agentService: 'PREEVY_AGENT_SERVICE',
  agentNetworks: 'PREEVY_AGENT_NETWORKS',
  logLevel: 'PREEVY_LOG_LEVEL',
  /** JSON of `EnvInfo` (branch, pull request, commit, repository and their links), for the index page. */
  envInfo: 'PREEVY_ENV_INFO',
  dockerHost: 'DOCKER_HOST',
  /** A workspace's container the agent stops after {@link AGENT_ENV.idleTimeoutSeconds} without activity. */
  idleStopContainer: 'PREEVY_IDLE_STOP_CONTAINER',
  idleTimeoutSeconds: 'PREEVY_IDLE_TIMEOUT_SECONDS',
  /** A file whose modification time is activity too (the workspace SSH server touches it). */
  activityFile: 'PREEVY_ACTIVITY_FILE',
  /** `namespace/name` of the Deployment that runs the agent's host: scaled to zero after the idle stop (kube-pod). */
  idleScaleDeployment: 'PREEVY_IDLE_SCALE_DEPLOYMENT',
});

/** Default port of the agent's state endpoint: unlikely to clash with a service's own port. */
export const AGENT_STATE_PORT = 3033;
export const AGENT_STATE_HOST = '127.0.0.1';

/**
 * The agent also keeps its state (the JSON of `GET /state`) in this file of its container, so a
 * CLI reads it with one plain API call (`docker cp`): an exec's attached stream ends only when its
 * connection does, about 1 s through a Kubernetes port-forward.
 */
export const AGENT_STATE_FILE = '/tmp/preevy-agent-state.json';

/** `host`: the agent shares the Docker host's network namespace; `project`: it joins the project's networks. */
export type AgentNetwork = 'host' | 'project';

/**
 * Port of the agent's state endpoint. In the host's network namespace agents of several
 * environments share one port space, so it is spread by env id rather than fixed.
 */
export const agentStatePort = (envId: string, network: AgentNetwork): number =>
  network === 'host' ? 20_000 + (parseInt(createHash('sha256').update(envId).digest('hex').slice(0, 8), 16) % 20_000) : AGENT_STATE_PORT;

/** `ssh://host:port`, with an IPv6 literal in brackets as URLs need it. */
export const formatSshUrl = ({ host, port }: { host: string; port: number }): string => `ssh://${host.includes(':') ? `[${host}]` : host}:${port}`;

/** Reads `ssh://host[:port]` (port 22 when absent; an IPv6 literal comes back bare, as `net.connect` wants it). */
export const parseSshUrl = (raw: string): { ok: true; value: { host: string; port: number } } | { ok: false; error: string } => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, error: `not a URL: "${raw}" (expected ssh://host:port)` };
  }
  if (url.protocol !== 'ssh:') return { ok: false, error: `must use the ssh:// scheme, got "${url.protocol}//"` };
  if (!url.hostname) return { ok: false, error: `has no host: "${raw}"` };
  return { ok: true, value: { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 22 } };
};

/** What core decides for one environment's agent. */
export interface AgentSettings {
  tunnel: { host: string; port: number };
  /** The tunnel server's pinned host key line or `SHA256:` fingerprint. */
  hostKey: string;
  envId: string;
  project: string;
  /** Where the key is mounted in the container (a compose secret). */
  keyFile: string;
  defaultAccess: TunnelAccess;
  statePort: number;
  agentService: string;
  /** Where the code came from (CI), shown on the environment's index page; absent outside CI. */
  envInfo?: EnvInfo;
  /** A workspace: stop this container after this many seconds with no activity (tunnel visitors, the activity file). */
  idleStop?: { container: string; timeoutSeconds: number; scaleDeployment?: { namespace: string; name: string } };
  /** A file whose modification time is activity (a workspace's SSH sessions): in `lastActivityAt`, which a machine's idle stop reads, and for `idleStop`. */
  activityFile?: string;
}

/** The agent service's environment for `settings`: the only writer of these variables. */
export const agentEnvironment = (s: AgentSettings): Record<string, string> => ({
  [AGENT_ENV.tunnelUrl]: formatSshUrl(s.tunnel),
  [AGENT_ENV.hostKey]: s.hostKey,
  [AGENT_ENV.envId]: s.envId,
  [AGENT_ENV.keyFile]: s.keyFile,
  [AGENT_ENV.project]: s.project,
  [AGENT_ENV.agentService]: s.agentService,
  [AGENT_ENV.defaultAccess]: s.defaultAccess,
  [AGENT_ENV.statePort]: String(s.statePort),
  // Written only when known, so an environment outside CI keeps the same agent definition.
  ...(s.envInfo && Object.keys(s.envInfo).length > 0 ? { [AGENT_ENV.envInfo]: JSON.stringify(s.envInfo) } : {}),
  ...(s.idleStop
    ? {
        [AGENT_ENV.idleStopContainer]: s.idleStop.container,
        [AGENT_ENV.idleTimeoutSeconds]: String(s.idleStop.timeoutSeconds),
        ...(s.idleStop.scaleDeployment ? { [AGENT_ENV.idleScaleDeployment]: `${s.idleStop.scaleDeployment.namespace}/${s.idleStop.scaleDeployment.name}` } : {}),
      }
    : {}),
  ...(s.activityFile ? { [AGENT_ENV.activityFile]: s.activityFile } : {}),
});
