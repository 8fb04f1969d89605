import { connect, createServer, type AddressInfo, type NetConnectOpts, type Socket } from 'node:net';

export interface TcpProxy {
  /** The loopback port that forwards to the target. */
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP listener on 127.0.0.1 piping every connection to `target` (a unix socket or a host and
 * port the caller has checked is on this machine). Half-closes pass through, as `docker run -i`
 * (stdin EOF) needs.
 */
export const startTcpProxy = (target: NetConnectOpts): Promise<TcpProxy> =>
  new Promise((resolve, reject) => {
    const open = new Set<Socket>();
    const server = createServer({ allowHalfOpen: true }, (client) => {
      const upstream = connect({ ...target, allowHalfOpen: true });
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
        port,
        close: () =>
          new Promise((done) => {
            for (const s of open) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
