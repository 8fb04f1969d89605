import type { DockerHostDriver, TunnelAddress } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';

/**
 * Where the agent will dial: the tunnel URL's host and port, or, without one, the embedded
 * server on this machine's loopback. Known before any server starts or host exists.
 */
export const agentTunnelAddress = (tunnelUrl: string | undefined): TunnelAddress & { embedded: boolean } => {
  if (!tunnelUrl) return { host: '127.0.0.1', port: 0, embedded: true };
  const url = new URL(tunnelUrl);
  const port = url.port ? Number(url.port) : url.protocol === 'ssh+tls:' ? 443 : 22;
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, embedded: false };
};

/**
 * Step "reach": refuses, before anything is created, a tunnel server the agent on the driver's
 * host cannot reach (a pod cannot reach this machine's loopback), instead of TUNNELS_NOT_READY
 * a minute later.
 */
export const checkTunnelReach = (driver: DockerHostDriver, tunnelUrl: string | undefined): void => {
  const address = agentTunnelAddress(tunnelUrl);
  const reach = driver.agentReaches(address);
  if (reach.ok) return;
  const where = address.embedded ? "the local tunnel server (this machine's loopback)" : `the tunnel server ${tunnelUrl}`;
  throw new PreevyError(`The agent on a ${driver.name} host cannot reach ${where}: ${reach.reason}`, {
    code: 'TUNNEL_UNREACHABLE_FROM_HOST',
    kind: 'invalid-input',
    suggestions: [
      ...reach.suggestions,
      'Set a tunnel server the host can reach: `preevy profile config update --tunnel-url ssh://HOST:PORT` (or x-preevy.tunnelServer).',
      'Or run one where the host can reach it: `preevy tunnel-server --listen-host ADDRESS`, then point the profile at ssh://ADDRESS:2222.',
    ],
  });
};
