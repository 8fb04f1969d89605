import { formatTunnelList, sanitizeLabel, serviceTunnelName, toDnsLabel } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/preevy-error.js';
import type { DevcontainerJson } from './devcontainer-config.js';

/**
 * URL names of a workspace's ports: `{label-or-port}-{envId}-{clientId}.{base}`, the first label
 * being the port's `portsAttributes` label made a DNS label, else the port number. The tunnel
 * server adds the rest (and hashes a label too long for DNS); names are unique within a workspace.
 */

/** The compose service name a single-container workspace shows the agent. */
export const WORKSPACE_SERVICE = 'workspace';

/** Longest first label kept readable: the env id and client id still fit in 63 characters. */
export const MAX_PORT_NAME = 24;

export interface WorkspacePort {
  service: string;
  port: number;
  /** The tunnel name: the URL's first label. */
  name: string;
  /** The `portsAttributes` label it came from, for messages. */
  label?: string | undefined;
}

type PortsJson = Pick<DevcontainerJson, 'forwardPorts' | 'portsAttributes'>;

/** A `portsAttributes` label as a DNS label; undefined when nothing of it is left. Pure. */
export const portNameOfLabel = (label: string): string | undefined => {
  const clean = sanitizeLabel(label);
  if (!clean) return undefined;
  return clean.length <= MAX_PORT_NAME ? clean : toDnsLabel(label, MAX_PORT_NAME);
};

/**
 * The ports `devcontainer.json` names, per service: numeric `forwardPorts` entries (of `devService`),
 * `service:port` entries (compose only: a single container has no other service), and
 * `portsAttributes` keys `PORT` / `SERVICE:PORT` with a label. Each named by its label, else by the
 * label of a range key `FROM-TO` / `SERVICE:FROM-TO` holding it as `{label}-{port}` (a range names
 * the ports forwarded in it, it adds none), else `{port}`. Pattern keys match a process's command
 * line in an editor; no process is watched here, so they are not read. Pure; throws on a clash.
 */
export const forwardedWorkspacePorts = (json: PortsJson, devService: string, compose: boolean): WorkspacePort[] => {
  const attrs = json.portsAttributes ?? {};
  const keys = new Map<string, { service: string; port: number }>();
  const add = (service: string, port: number) => {
    if (port >= 1 && port <= 65535) keys.set(`${service}:${port}`, { service, port });
  };
  const parse = (entry: string | number): void => {
    if (typeof entry === 'number') return add(devService, entry);
    const m = /^(?:([^:]+):)?(\d{1,5})$/.exec(entry);
    if (!m) return;
    if (!m[1]) add(devService, Number(m[2]));
    else if (compose) add(m[1], Number(m[2]));
  };
  for (const entry of json.forwardPorts ?? []) parse(entry);
  for (const [key, a] of Object.entries(attrs)) if (a.label !== undefined) parse(key);
  const ranges = labelledRanges(attrs, devService, compose);
  const ports = [...keys.values()].map(({ service, port }) => {
    const exact = attrs[`${service}:${port}`]?.label ?? (service === devService ? attrs[String(port)]?.label : undefined);
    const range = exact === undefined ? ranges.find((r) => r.service === service && port >= r.from && port <= r.to) : undefined;
    const label = exact ?? range?.label;
    const fromLabel = exact !== undefined ? portNameOfLabel(exact) : range && rangePortName(range.label, port);
    return { service, port, name: fromLabel ?? (service === devService ? String(port) : serviceTunnelName(service, port)), ...(fromLabel ? { label } : {}) };
  });
  assertUniqueNames(ports);
  return ports.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.port - b.port));
};

interface LabelledRange {
  service: string;
  from: number;
  to: number;
  label: string;
}

/** The `FROM-TO` / `SERVICE:FROM-TO` keys of `portsAttributes` with a label, in file order (the first holding a port wins). Pure. */
const labelledRanges = (attrs: NonNullable<PortsJson['portsAttributes']>, devService: string, compose: boolean): LabelledRange[] =>
  Object.entries(attrs).flatMap(([key, a]) => {
    const m = /^(?:([^:]+):)?(\d{1,5})-(\d{1,5})$/.exec(key);
    if (!m || a.label === undefined || (m[1] && !compose)) return [];
    return [{ service: m[1] ?? devService, from: Number(m[2]), to: Number(m[3]), label: a.label }];
  });

/** `{label}-{port}` for a port named by a range's label, the port kept whole when the label is cut. Pure. */
const rangePortName = (label: string, port: number): string | undefined => {
  const name = portNameOfLabel(label);
  if (!name) return undefined;
  const keep = MAX_PORT_NAME - String(port).length - 1;
  return `${name.length <= keep ? name : toDnsLabel(label, keep)}-${port}`;
};

const describePort = (p: WorkspacePort): string => `${p.service === WORKSPACE_SERVICE ? '' : `${p.service}:`}${p.port}${p.label === undefined ? '' : ` (label "${p.label}")`}`;

/**
 * Two ports with one name would share one URL (the tunnel server gives it to the last one):
 * refused, naming both, rather than renamed behind the user's back. Pure.
 */
export const assertUniqueNames = (ports: readonly WorkspacePort[]): void => {
  const byName = new Map<string, WorkspacePort[]>();
  for (const p of ports) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const clash = [...byName.entries()].find(([, ps]) => ps.length > 1);
  if (!clash) return;
  const [name, ps] = clash;
  throw new PreevyError(`Ports ${ps.map(describePort).join(' and ')} would share the URL name "${name}"`, {
    code: 'WORKSPACE_PORT_NAMES_CLASH',
    kind: 'invalid-input',
    suggestions: ['Give each port its own "label" in portsAttributes of devcontainer.json (names are made DNS labels: lowercase, letters, digits and hyphens).'],
  });
};

/** The `dev.preevy.tunnels` label value of each service with named ports. Pure. */
export const tunnelLabelsByService = (ports: readonly WorkspacePort[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const service of new Set(ports.map((p) => p.service))) {
    out[service] = formatTunnelList(ports.filter((p) => p.service === service).map((p) => ({ port: p.port, name: p.name })));
  }
  return out;
};
