import { COMPOSE_LABELS, formatForwardRequest, LABELS, parseTunnelList, SERVICE_LABELS, serviceTunnelName, serviceTunnels, type TunnelAccess } from '@preevy/tunnel-protocol';
import type { ContainerSummary } from './docker-engine-client.js';

/** One reverse forward the agent wants: a service port, and where to dial it from the agent. */
export interface DesiredTunnel {
  service: string;
  /** The container (private) port: the number in the URL. */
  port: number;
  access: TunnelAccess;
  /** The tunnel name sent to the server (`{service}-{port}`, made a DNS label when it is not one). */
  name: string;
  /** Where visitor connections are piped: the container's IP on a network the agent shares. */
  target: { host: string; port: number };
  /** The exact `tcpip-forward` bind address; also the key of incoming connections. */
  requestString: string;
}

export interface DiscoveryOptions {
  /** The compose project whose services are published. */
  project: string;
  /** The agent's own compose service, skipped like any container with the agent label. */
  agentService?: string;
  /**
   * Networks the agent is attached to. When omitted they are read from the agent's own container
   * in the list; when still unknown, each container's first network is used.
   */
  agentNetworks?: readonly string[];
  /** Access of services without a `preevy.access` label. */
  defaultAccess?: TunnelAccess;
}

export interface DiscoveryResult {
  tunnels: DesiredTunnel[];
  /** Problems with labels or networks, for the log; never fatal. */
  warnings: string[];
  /**
   * When the newest container of the project, the agent included, was created: the last deploy
   * that changed anything (an unchanged `up` recreates nothing). ISO 8601; absent without containers.
   */
  deployedAt?: string;
}

const label = (c: ContainerSummary, key: string): string | undefined => c.Labels?.[key];

const isAgent = (c: ContainerSummary, agentService: string | undefined): boolean =>
  label(c, LABELS.agent) === 'true' || (agentService !== undefined && label(c, COMPOSE_LABELS.service) === agentService);

const containerNumber = (c: ContainerSummary): number => Number(label(c, COMPOSE_LABELS.containerNumber) ?? Number.MAX_SAFE_INTEGER);

const publishedTcpPorts = (c: ContainerSummary): number[] =>
  (c.Ports ?? []).filter((p) => p.Type === 'tcp' && typeof p.PublicPort === 'number' && p.PublicPort > 0).map((p) => p.PrivatePort);

/** The IP to dial: on a shared network when the agent's networks are known (sorted: stable choice). */
const targetHost = (c: ContainerSummary, agentNetworks: readonly string[] | undefined): string | undefined => {
  const networks = Object.entries(c.NetworkSettings?.Networks ?? {})
    .filter(([, n]) => Boolean(n.IPAddress))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const pick = agentNetworks && agentNetworks.length > 0 ? networks.find(([name]) => agentNetworks.includes(name)) : networks[0];
  return pick?.[1].IPAddress;
};

/**
 * The tunnels the agent should hold for `containers` (the output of `GET /containers/json`):
 * running containers of the project, except the agent itself, one tunnel per (service, port).
 * Pure, and sorted by service then port so that the same input always gives the same list.
 */
export const discoverTunnels = (containers: readonly ContainerSummary[], options: DiscoveryOptions): DiscoveryResult => {
  const { project, agentService, defaultAccess = 'public' } = options;
  const warnings: string[] = [];
  const inProject = containers.filter((c) => label(c, COMPOSE_LABELS.project) === project);
  const agentContainer = inProject.find((c) => isAgent(c, agentService));
  // On the host network the agent reaches every bridge network's IPs: no restriction then.
  const ownNetworks = agentContainer ? Object.keys(agentContainer.NetworkSettings?.Networks ?? {}).filter((n) => n !== 'host') : [];
  const agentNetworks = options.agentNetworks ?? (ownNetworks.length > 0 ? ownNetworks : undefined);

  // Lowest container number first, so a scaled service is always served by the same replica.
  const candidates = inProject
    .filter((c) => c.State === 'running' && !isAgent(c, agentService) && label(c, COMPOSE_LABELS.service))
    .sort((a, b) => containerNumber(a) - containerNumber(b) || (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0));

  const byKey = new Map<string, DesiredTunnel>();
  const seenServices = new Set<string>();
  for (const c of candidates) {
    const service = label(c, COMPOSE_LABELS.service) ?? '';
    // Replicas of one service share its URLs: the first (lowest number) wins, and warns once.
    if (seenServices.has(service)) continue;
    seenServices.add(service);

    // The one rule core applies too; a bad label was refused by `up`, so here it only warns.
    const { access, ports: ruled, problems } = serviceTunnels({ labels: c.Labels ?? {}, publishedTcpPorts: publishedTcpPorts(c) }, defaultAccess);
    for (const p of problems) {
      const consequence = p.label === SERVICE_LABELS.access ? 'treating it as private' : 'the bad ports are ignored';
      warnings.push(`service "${service}": label ${p.label}: ${p.message}; ${consequence}`);
    }
    // A workspace's forwarded ports (published or not) and the names it gives them.
    const named = parseTunnelList(label(c, LABELS.tunnels) ?? '');
    if (named.bad.length) warnings.push(`service "${service}": label ${LABELS.tunnels}: expected PORT or PORT:NAME (a DNS label), received ${named.bad.map((b) => `"${b}"`).join(', ')}; ignored`);
    const names = new Map(named.entries.map((e) => [e.port, e.name]));
    const ports = [...new Set([...ruled, ...names.keys()])].sort((a, b) => a - b);
    if (ports.length === 0) continue;

    const host = targetHost(c, agentNetworks);
    if (!host) {
      warnings.push(
        agentNetworks && agentNetworks.length > 0
          ? `service "${service}" shares no network with the agent (agent networks: ${agentNetworks.join(', ')}); not published`
          : `service "${service}" has no IP address on any network; not published`,
      );
      continue;
    }

    for (const port of ports) {
      // Always a DNS label, as the server requires (compose allows `_` and `.` in service names).
      const name = names.get(port) ?? serviceTunnelName(service, port);
      byKey.set(`${service}\0${port}`, {
        service,
        port,
        access,
        name,
        target: { host, port },
        requestString: formatForwardRequest({ name, access, service, port }),
      });
    }
  }

  const tunnels = [...byKey.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.port - b.port));
  const created = Math.max(0, ...inProject.map((c) => (Number.isFinite(c.Created) ? c.Created! : 0)));
  return { tunnels, warnings, ...(created > 0 ? { deployedAt: new Date(created * 1000).toISOString() } : {}) };
};
