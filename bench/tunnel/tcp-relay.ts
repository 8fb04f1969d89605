import { connect, createServer, type AddressInfo } from 'node:net';

/**
 * One hop of the "node floor": a plain TCP relay with no SSH and no HTTP parsing. Two of them in
 * two processes stand where the tunnel server and the agent stand, so the tunnel's cost splits
 * into what any two Node hops cost and what our code and SSH add.
 */
export const startTcpRelay = async (targetPort: number): Promise<{ port: number }> => {
  const server = createServer((visitor) => {
    visitor.setNoDelay(true);
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    upstream.setNoDelay(true);
    const end = (): void => {
      visitor.destroy();
      upstream.destroy();
    };
    visitor.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    visitor.pipe(upstream).pipe(visitor);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port };
};
