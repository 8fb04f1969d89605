import { DEFAULT_LIMITS, type Limits } from './limits.js';
import type { TunnelServerOptions } from './tunnel-server.js';

/** Environment variables the standalone server (and its image) reads; each is documented in the README. */
export const ENV = {
  baseUrl: 'PREEVY_TUNNEL_BASE_URL',
  listenHost: 'PREEVY_TUNNEL_LISTEN_HOST',
  sshPort: 'PREEVY_TUNNEL_SSH_PORT',
  httpPort: 'PREEVY_TUNNEL_HTTP_PORT',
  httpsPort: 'PREEVY_TUNNEL_HTTPS_PORT',
  tlsCert: 'PREEVY_TUNNEL_TLS_CERT_FILE',
  tlsKey: 'PREEVY_TUNNEL_TLS_KEY_FILE',
  adminPort: 'PREEVY_TUNNEL_ADMIN_PORT',
  adminListenHost: 'PREEVY_TUNNEL_ADMIN_LISTEN_HOST',
  hostKeyFile: 'PREEVY_TUNNEL_HOST_KEY_FILE',
  authorizedKeysFile: 'PREEVY_TUNNEL_AUTHORIZED_KEYS_FILE',
} as const;

/** `tunnelsPerKey` → `PREEVY_TUNNEL_LIMIT_TUNNELS_PER_KEY`: one variable per limit. */
export const limitEnvName = (limit: string): string => `PREEVY_TUNNEL_LIMIT_${limit.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** The limits set in the environment; each must be a positive integer. */
export const limitsFromEnv = (env: NodeJS.ProcessEnv): Partial<Limits> => {
  const limits: Partial<Limits> = {};
  for (const name of Object.keys(DEFAULT_LIMITS) as Array<keyof Limits>) {
    const raw = env[limitEnvName(name)];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${limitEnvName(name)}=${raw} is not a positive integer`);
    limits[name] = n;
  }
  return limits;
};

export const DEFAULT_PORTS = { ssh: 2222, http: 8030, admin: 9090 } as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const port = (env: NodeJS.ProcessEnv, name: string, fallback?: number): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name}=${raw} is not a port number (0-65535)`);
  return n;
};

/** Tunnel server options from the environment, or a ConfigError naming the variable at fault. */
export const optionsFromEnv = (
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => Buffer,
): Omit<TunnelServerOptions, 'logger'> => {
  const httpPort = port(env, ENV.httpPort, DEFAULT_PORTS.http)!;
  const httpsPort = port(env, ENV.httpsPort);
  const rawBase = env[ENV.baseUrl];
  let baseUrl: TunnelServerOptions['baseUrl'];
  if (rawBase) {
    let url: URL;
    try {
      url = new URL(rawBase);
    } catch {
      throw new ConfigError(`${ENV.baseUrl}=${rawBase} is not a URL; use e.g. https://preview.example.com`);
    }
    if (!['http:', 'https:'].includes(url.protocol) || (url.pathname !== '/' && url.pathname !== '') || url.search) {
      throw new ConfigError(`${ENV.baseUrl} must be an http(s) origin with no path or query, e.g. https://preview.example.com`);
    }
    baseUrl = url;
  } else {
    baseUrl = ({ httpPort: p }) => new URL(`http://localhost:${p}`);
  }
  const cert = env[ENV.tlsCert];
  const key = env[ENV.tlsKey];
  if ((httpsPort === undefined) !== (cert === undefined) || (cert === undefined) !== (key === undefined)) {
    throw new ConfigError(`HTTPS needs all of ${ENV.httpsPort}, ${ENV.tlsCert} and ${ENV.tlsKey}`);
  }
  const hostKeyFile = env[ENV.hostKeyFile];
  if (!hostKeyFile) throw new ConfigError(`${ENV.hostKeyFile} is required: the SSH host key is kept there (created on first start)`);
  const adminPort = port(env, ENV.adminPort, DEFAULT_PORTS.admin);
  const authorizedKeysFile = env[ENV.authorizedKeysFile];
  const adminListenHost = env[ENV.adminListenHost];
  const limits = limitsFromEnv(env);
  return {
    baseUrl,
    listenHost: env[ENV.listenHost] || '127.0.0.1',
    sshPort: port(env, ENV.sshPort, DEFAULT_PORTS.ssh)!,
    httpPort,
    ...(httpsPort !== undefined && cert && key ? { https: { port: httpsPort, cert: readFile(cert), key: readFile(key) } } : {}),
    ...(adminPort !== undefined ? { adminPort } : {}),
    ...(adminListenHost ? { adminListenHost } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
    hostKey: { file: hostKeyFile },
    ...(authorizedKeysFile ? { authorizedKeysFile } : {}),
  };
};
