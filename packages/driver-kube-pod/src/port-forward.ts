import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';

export interface PodPort {
  namespace: string;
  pod: string;
  port: number;
}

/** A local listener on 127.0.0.1 whose every connection reaches a pod's port through the API server. */
export interface LocalPortForward extends AsyncDisposable {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The last error the API server reported for a connection (e.g. nothing listens on the pod port). */
  readonly lastError: string | undefined;
  close(): Promise<void>;
}

export interface PortForwardOptions {
  /** 0 (the default) picks a free port. */
  localPort?: number;
  /** Injected for tests; the client's WebSocket port-forward by default. */
  portForward?: Pick<PortForward, 'portForward'>;
}

type ForwardSocket = Awaited<ReturnType<PortForward['portForward']>>;

/**
 * Forwards 127.0.0.1:<localPort> to a pod port, one WebSocket stream per accepted connection, like
 * `kubectl port-forward`. Never binds another address: the pod's port stays private to this machine.
 */
export const forwardPort = async (
  kc: KubeConfig,
  { namespace, pod, port }: PodPort,
  { localPort = 0, portForward = new PortForward(kc) }: PortForwardOptions = {},
): Promise<LocalPortForward> => {
  const open = new Set<Socket>();
  let lastError: string | undefined;

  const relay = (socket: Socket) => {
    open.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => open.delete(socket)).on('error', () => socket.destroy());
    // The API server reports a failed dial (nothing listening, pod gone) on the error stream.
    const errors = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lastError = chunk.toString('utf8').trim();
        socket.destroy();
        done();
      },
    });
    portForward.portForward(namespace, pod, [port], socket, errors, socket).then(
      (ws: ForwardSocket) => {
        if (typeof ws === 'function') return; // only with retries, which are not used here
        if (socket.destroyed) ws.close();
        ws.once('close', () => socket.end());
        ws.once('error', (e: Error) => {
          lastError = e.message;
          socket.destroy();
        });
        socket.once('close', () => ws.close());
        socket.resume(); // accepted paused, so nothing is read before the stream exists
      },
      (e: unknown) => {
        lastError = e instanceof Error ? e.message : String(e);
        socket.destroy();
      },
    );
  };

  const server = createServer({ pauseOnConnect: true }, relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(localPort, '127.0.0.1', () => resolve());
  }).catch((cause: unknown) => {
    throw new PreevyError(`Cannot listen on 127.0.0.1:${localPort} for the port-forward to ${namespace}/${pod}:${port}`, {
      code: 'PORT_IN_USE',
      kind: 'conflict',
      suggestions: ['Choose another local port, or 0 for any free one.'],
      cause,
    });
  });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    });
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    get lastError() {
      return lastError;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
};
