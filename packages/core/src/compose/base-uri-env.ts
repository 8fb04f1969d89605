import { serviceTunnels } from '@preevy/tunnel-protocol';
import type { ComposeService } from './compose-model.js';

type ServicePorts = Pick<ComposeService, 'name' | 'ports' | 'labels'>;

/** A compose service as the one tunnel rule (tunnel-protocol's `serviceTunnels`) reads it. */
export const publicationOf = (service: ServicePorts) => ({
  labels: service.labels,
  publishedTcpPorts: service.ports.filter((p) => p.protocol === 'tcp').map((p) => p.target),
});

/**
 * The container ports the agent will publish for a service, by the agent's own rule, so the
 * variables below name exactly the URLs that will exist (Preevy's #620 computed them differently).
 */
export const tunnelledPorts = (service: ServicePorts): number[] => serviceTunnels(publicationOf(service), 'public').ports;

/** `web-app` → `WEB_APP`: the service part of a variable name. */
export const envNameOfService = (service: string): string => service.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/**
 * `PREEVY_BASE_URI_<SERVICE>_<PORT>` for every tunnelled port, for compose interpolation. `<PORT>`
 * is the port the user publishes (`8080` for `8080:80`), or the container port when it is not
 * published to a fixed host port; `urlOf` gets the container port, the number in tunnel URLs.
 * Pure. Two services whose names differ only in punctuation share a name: the first, by name, wins.
 */
export const baseUriEnv = (services: Iterable<ServicePorts>, urlOf: (service: string, port: number) => string): Record<string, string> => {
  const env: Record<string, string> = {};
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const service of sorted) {
    for (const target of tunnelledPorts(service)) {
      const published = service.ports.filter((p) => p.protocol === 'tcp' && p.target === target && p.published !== undefined).map((p) => p.published as number);
      const url = urlOf(service.name, target);
      for (const port of published.length > 0 ? published : [target]) {
        const key = `PREEVY_BASE_URI_${envNameOfService(service.name)}_${port}`;
        env[key] ??= url;
      }
    }
  }
  return env;
};
