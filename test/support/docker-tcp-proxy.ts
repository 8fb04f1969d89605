import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface DockerTcpProxy {
  /** `tcp://127.0.0.1:<port>`: the local engine as if it were a remote one. */
  dockerHost: string;
  close(): Promise<void>;
}

/**
 * A "remote" Docker engine for tests: a TCP listener on loopback piping every connection to the
 * local engine's socket. Half-closes pass through, as `docker run -i` (stdin EOF) needs.
 */
export const startDockerTcpProxy = (socketPath = '/var/run/docker.sock'): Promise<DockerTcpProxy> =>
  new Promise((resolve, reject) => {
    const open = new Set<Socket>();
    const server = createServer({ allowHalfOpen: true }, (client) => {
      const upstream = connect({ path: socketPath, allowHalfOpen: true });
      for (const s of [client, upstream]) {
        open.add(s);
        s.on('close', () => open.delete(s)).on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        dockerHost: `tcp://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            for (const s of open) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
