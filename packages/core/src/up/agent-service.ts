import { AGENT_SERVICE, agentEnvironment, agentStatePort, LABELS, type AgentNetwork, type AgentSettings, type EnvInfo, type TunnelAccess } from '@preevy/tunnel-protocol';

export const AGENT_KEY_SECRET = 'preevy_agent_key';
/**
 * The variable `docker compose up` reads the agent's key from (a secret with an environment source):
 * compose copies it into the container over the API, so no key file exists on any host's disk.
 */
export const AGENT_KEY_ENV = 'PREEVY_AGENT_KEY_CONTENT';

/** Where the agent reaches the tunnel server, and how it must join the network to do so. */
export interface TunnelEndpoint {
  sshHost: string;
  sshPort: number;
  /** The server's host key line, pinned by the agent. */
  hostKey: string;
  /** Public base URL of tunnels (`http://localhost:8030`, `https://preview.example.com`). */
  baseUrl: URL;
  /**
   * `host`: the agent runs in the Docker host's network namespace, needed when the server
   * listens on that host's loopback (the embedded local server). `project`: the project's networks.
   */
  agentNetwork: AgentNetwork;
}

export interface AgentServiceInput {
  image: string;
  envId: string;
  project: string;
  tunnel: TunnelEndpoint;
  defaultAccess: TunnelAccess;
  labels: Record<string, string>;
  /** The project's networks, which the agent joins when not on the host network. */
  networks: readonly string[];
  /** Branch, pull request and commit for the tunnel server's index page (from the CI). */
  envInfo?: EnvInfo;
}

/** What every agent is told, a preview's or a workspace's: where to publish, as which env, its key's path in the container. */
export const agentSettings = ({ tunnel, envId, project, defaultAccess }: { tunnel: TunnelEndpoint; envId: string; project: string; defaultAccess: TunnelAccess }): AgentSettings => ({
  tunnel: { host: tunnel.sshHost, port: tunnel.sshPort },
  hostKey: tunnel.hostKey,
  envId,
  project,
  keyFile: `/run/secrets/${AGENT_KEY_SECRET}`,
  agentService: AGENT_SERVICE,
  defaultAccess,
  statePort: agentStatePort(envId, tunnel.agentNetwork),
});

/** The compose service of the agent: Docker socket mounted, key as a secret, never published. */
export const agentService = ({ image, envId, project, tunnel, defaultAccess, labels, networks, envInfo }: AgentServiceInput): Record<string, unknown> => ({
  image,
  restart: 'unless-stopped',
  environment: agentEnvironment({ ...agentSettings({ tunnel, envId, project, defaultAccess }), ...(envInfo ? { envInfo } : {}) }),
  volumes: [{ type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock', read_only: true }],
  secrets: [{ source: AGENT_KEY_SECRET, target: AGENT_KEY_SECRET, mode: 0o400 }],
  labels: { ...labels, [LABELS.agent]: 'true' },
  ...(tunnel.agentNetwork === 'host' ? { network_mode: 'host' } : { networks: Object.fromEntries(networks.map((n) => [n, null])) }),
});
