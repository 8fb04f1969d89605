import { tunnelLabel, urlOfLabel, type EnvInfo, type EnvMetadata } from '@preevy/tunnel-protocol';
import type { EnvDirectory } from './env-directory.js';
import { envPage, removedPage, type EnvPageService } from './env-page.js';
import type { TunnelRegistry } from './tunnel-registry.js';

export interface EnvIndexInput {
  indexLabel: string;
  registry: TunnelRegistry;
  directory: EnvDirectory;
  baseUrl: URL;
  now: number;
}

const infoOf = ({ deployedAt: _deployedAt, services: _services, ...info }: EnvMetadata): EnvInfo => info;

/**
 * The index page of `{envId}-{clientId}`, or undefined when the server knows no such environment
 * (the caller answers 404). Live: the services the agent reported, each marked connected when its
 * tunnel is held, plus any other tunnel held there. Recently closed: the "removed" page (410).
 */
export const envIndex = ({ indexLabel, registry, directory, baseUrl, now }: EnvIndexInput): { status: number; html: string } | undefined => {
  const tunnels = registry.ofEnvIndex(indexLabel);
  const known = directory.metadataOf(indexLabel);
  if (tunnels.length > 0 || known) {
    const envId = tunnels[0]?.envId ?? known!.envId;
    const clientId = tunnels[0]?.clientId ?? known!.clientId;
    const held = new Map(tunnels.map((t) => [t.name, t]));
    const services: EnvPageService[] = (known?.metadata.services ?? []).map((s) => {
      const label = tunnelLabel({ name: s.name, envId, clientId });
      const tunnel = held.get(s.name);
      held.delete(s.name);
      return { service: s.service, name: s.name, port: s.port, access: tunnel?.access ?? s.access, url: urlOfLabel(label, baseUrl), connected: tunnel !== undefined };
    });
    for (const t of held.values()) services.push({ service: t.service, name: t.name, port: t.port, access: t.access, url: urlOfLabel(t.label, baseUrl), connected: true });
    services.sort((a, b) => (a.service ?? a.name).localeCompare(b.service ?? b.name) || (a.port ?? 0) - (b.port ?? 0));
    const metadata = known?.metadata ?? {};
    return { status: 200, html: envPage({ envId, info: infoOf(metadata), deployedAt: metadata.deployedAt, services, now }) };
  }
  const closed = directory.closedEnvironment(indexLabel, now);
  if (closed) return { status: 410, html: removedPage({ envId: closed.envId, info: infoOf(closed.metadata ?? {}), closedAt: closed.closedAt, now }) };
  return undefined;
};
