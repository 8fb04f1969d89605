import { createHash } from 'node:crypto';
import type { TunnelAccess } from '@preevy/tunnel-protocol';
import { LABELS } from '../labels.js';

/** The agent's service name in every environment; discovery skips it. */
export const AGENT_SERVICE = 'preevy_agent';
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
  agentNetwork: 'host' | 'project';
}

/**
 * Port of the agent's state endpoint. In the host's network namespace agents of several
 * environments share one port space, so it is spread by env id rather than fixed.
 */
export const agentStatePort = (envId: string, network: TunnelEndpoint['agentNetwork']): number =>
  network === 'host' ? 20_000 + (parseInt(createHash('sha256').update(envId).digest('hex').slice(0, 8), 16) % 20_000) : 3033;

export interface AgentServiceInput {
  image: string;
  envId: string;
  project: string;
  tunnel: TunnelEndpoint;
  defaultAccess: TunnelAccess;
  labels: Record<string, string>;
  /** The project's networks, which the agent joins when not on the host network. */
  networks: readonly string[];
}

/** The compose service of the agent: Docker socket mounted, key as a secret, never published. */
export const agentService = ({ image, envId, project, tunnel, defaultAccess, labels, networks }: AgentServiceInput): Record<string, unknown> => ({
  image,
  restart: 'unless-stopped',
  environment: {
    PREEVY_TUNNEL_URL: `ssh://${tunnel.sshHost}:${tunnel.sshPort}`,
    PREEVY_TUNNEL_HOST_KEY: tunnel.hostKey,
    PREEVY_ENV_ID: envId,
    PREEVY_AGENT_KEY_FILE: `/run/secrets/${AGENT_KEY_SECRET}`,
    COMPOSE_PROJECT: project,
    PREEVY_AGENT_SERVICE: AGENT_SERVICE,
    PREEVY_DEFAULT_ACCESS: defaultAccess,
    PREEVY_AGENT_STATE_PORT: String(agentStatePort(envId, tunnel.agentNetwork)),
  },
  volumes: [{ type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock', read_only: true }],
  secrets: [{ source: AGENT_KEY_SECRET, target: AGENT_KEY_SECRET, mode: 0o400 }],
  labels: { ...labels, [LABELS.agent]: 'true' },
  ...(tunnel.agentNetwork === 'host' ? { network_mode: 'host' } : { networks: Object.fromEntries(networks.map((n) => [n, null])) }),
});
