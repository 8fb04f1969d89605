import { MAX_DNS_LABEL, sanitizeLabel, toDnsLabel } from './dns-label.js';

/**
 * The one naming scheme of tunnel URLs: `{service}-{port}-{envId}-{clientId}.{baseHost}`.
 * The client id is never cut: it is the namespace that keeps one client off another's names.
 */

/** The name an agent asks for: one per published service port, always a valid label (`my_api` → `my-api-80`). */
export const serviceTunnelName = (service: string, port: number): string => toDnsLabel(`${service}-${port}`);

/** The hostname label of a tunnel: `{name}-{envId}-{clientId}`, at most 63 characters. */
export const tunnelLabel = ({ name, envId, clientId }: { name: string; envId: string; clientId: string }): string => {
  const head = sanitizeLabel(`${name}-${envId}`);
  const room = MAX_DNS_LABEL - clientId.length - 1;
  return `${head.length > 0 && head.length <= room ? head : toDnsLabel(`${name}-${envId}`, room)}-${clientId}`;
};

/** The label of an environment's index page, which lists its services: `{envId}-{clientId}`. */
export const envIndexLabel = ({ envId, clientId }: { envId: string; clientId: string }): string =>
  tunnelLabel({ name: '', envId, clientId }).replace(/^-/, '');

/** Host (no port, lowercase) of a base URL like `http://localhost:8080` or `https://p.example.com`. */
export const baseHostOf = (baseUrl: URL): string => baseUrl.hostname.toLowerCase();

/** Full URL of a label under the server's base URL, keeping its scheme and port. */
export const urlOfLabel = (label: string, baseUrl: URL): string => {
  const url = new URL(baseUrl.href);
  url.hostname = `${label}.${url.hostname}`;
  return url.origin;
};

/**
 * The tunnel label a `Host` header names, or undefined when it is not exactly one label under
 * `baseHost` (a port is ignored; case folded). Never throws: the header is untrusted input.
 */
export const labelOfHost = (hostHeader: string | undefined, baseHost: string): string | undefined => {
  if (!hostHeader || hostHeader.length > 255) return undefined;
  const host = hostHeader.toLowerCase().replace(/:\d{1,5}$/, '').replace(/\.$/, '');
  const suffix = `.${baseHost}`;
  if (!host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label) ? label : undefined;
};
