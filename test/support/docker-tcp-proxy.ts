import { startTcpProxy } from './tcp-proxy.js';

export interface DockerTcpProxy {
  /** `tcp://127.0.0.1:<port>`: the local engine as if it were a remote one. */
  dockerHost: string;
  close(): Promise<void>;
}

/** A "remote" Docker engine for tests: a TCP listener on loopback piping every connection to the local engine's socket. */
export const startDockerTcpProxy = async (socketPath = '/var/run/docker.sock'): Promise<DockerTcpProxy> => {
  const proxy = await startTcpProxy({ path: socketPath });
  return { dockerHost: `tcp://127.0.0.1:${proxy.port}`, close: () => proxy.close() };
};
