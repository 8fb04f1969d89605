import type { TunnelAccess } from './forward-request.js';
import { isDnsLabel } from './dns-label.js';
import { SERVICE_LABELS } from './labels.js';

/**
 * Which ports of a service get tunnels, and with which access: the one rule behind the agent's
 * discovery (from a running container) and the CLI's expectations and PREEVY_BASE_URI_* variables
 * (from the compose model), so the two never disagree on which URLs exist.
 */

export const ACCESS_VALUES = ['public', 'private'] as const satisfies readonly TunnelAccess[];

/** `public`/`private`, forgiving case and spaces; undefined for anything else. */
export const parseAccess = (raw: string): TunnelAccess | undefined => {
  const v = raw.trim().toLowerCase();
  return v === 'public' || v === 'private' ? v : undefined;
};

/** Parses `80, 8080/tcp` into ports; what is not a TCP port number lands in `bad`. */
export const parsePortList = (raw: string): { ports: number[]; bad: string[] } => {
  const ports: number[] = [];
  const bad: string[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    // `8080/tcp` is how compose writes ports elsewhere; other protocols cannot be tunnelled.
    const m = /^(\d{1,5})(\/tcp)?$/i.exec(part);
    const port = m ? Number(m[1]) : NaN;
    if (port >= 1 && port <= 65535) ports.push(port);
    else bad.push(part);
  }
  return { ports, bad };
};

/** A service as both sides see it: its labels and the container ports it publishes over TCP. */
export interface ServicePublication {
  labels: Readonly<Record<string, string | undefined>>;
  publishedTcpPorts: readonly number[];
}

export interface ServiceTunnels {
  access: TunnelAccess;
  /** Sorted, distinct container ports: the numbers in the tunnel names and URLs. */
  ports: number[];
  /** Label values that break the rule, each worded for a person; empty when the labels are fine. */
  problems: { label: string; message: string }[];
}

/**
 * The `preevy.expose` label's ports when set, else every published TCP port; access from the
 * `preevy.access` label, else `defaultAccess`. A bad access value is `private` here (a typo must
 * never publish what was meant to be protected) and a problem for the caller to refuse or log.
 */
export const serviceTunnels = ({ labels, publishedTcpPorts }: ServicePublication, defaultAccess: TunnelAccess): ServiceTunnels => {
  const problems: ServiceTunnels['problems'] = [];
  const rawAccess = labels[SERVICE_LABELS.access];
  let access = defaultAccess;
  if (rawAccess !== undefined) {
    const parsed = parseAccess(rawAccess);
    if (parsed === undefined) problems.push({ label: SERVICE_LABELS.access, message: `expected one of ${ACCESS_VALUES.join(', ')}, received "${rawAccess}"` });
    access = parsed ?? 'private';
  }
  const rawExpose = labels[SERVICE_LABELS.expose];
  let ports = publishedTcpPorts;
  if (rawExpose !== undefined) {
    const { ports: exposed, bad } = parsePortList(rawExpose);
    if (bad.length > 0) problems.push({ label: SERVICE_LABELS.expose, message: `expected comma-separated container ports (1-65535), received ${bad.map((b) => `"${b}"`).join(', ')}` });
    ports = exposed;
  }
  return { access, ports: [...new Set(ports)].sort((a, b) => a - b), problems };
};

/** One entry of the {@link LABELS.tunnels} label: a port, and the tunnel name it asks for (else the usual one). */
export interface NamedPort {
  port: number;
  name?: string | undefined;
}

/**
 * Writes the `tunnels` label: `8080:web,9229`. No `=` in it: the devcontainer CLI cuts an
 * `--id-label` value at its second `=` and then never finds the container it made. Pure.
 */
export const formatTunnelList = (entries: readonly NamedPort[]): string => entries.map((e) => (e.name ? `${e.port}:${e.name}` : String(e.port))).join(',');

/** Reads the `tunnels` label; a bad port or a name that is not a DNS label lands in `bad`. Pure. */
export const parseTunnelList = (raw: string): { entries: NamedPort[]; bad: string[] } => {
  const entries: NamedPort[] = [];
  const bad: string[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{1,5})(?::(.*))?$/.exec(part);
    const port = m ? Number(m[1]) : NaN;
    const name = m?.[2];
    if (!(port >= 1 && port <= 65535) || (name !== undefined && !isDnsLabel(name))) bad.push(part);
    else entries.push({ port, ...(name ? { name } : {}) });
  }
  return { entries, bad };
};
