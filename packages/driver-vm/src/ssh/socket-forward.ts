import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PreevyError } from '@preevy/core';

/** Opens one stream to the remote socket (an SSH channel). */
export type StreamOpener = () => Promise<Duplex>;

/** A listener on 127.0.0.1 whose every connection is one stream to a remote socket. */
export interface LocalForward extends AsyncDisposable {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Why the last stream could not be opened (e.g. the remote socket refused it). */
  readonly lastError: string | undefined;
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:<localPort> to a remote socket, one stream per accepted connection (compose
 * opens many at once). Never binds another address: the remote Docker API stays private to this
 * machine. Half-closes pass through both ways, as SSH channels carry EOF.
 */
export const forwardToStreams = async (openStream: StreamOpener, { localPort = 0, describe = 'the remote socket' }: { localPort?: number; describe?: string } = {}): Promise<LocalForward> => {
  const sockets = new Set<Socket>();
  let lastError: string | undefined;
  const relay = (socket: Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket)).on('error', () => socket.destroy());
    openStream().then(
      (stream) => {
        if (socket.destroyed) return void stream.destroy();
        stream.on('error', (e: Error) => {
          lastError = e.message;
          socket.destroy();
        });
        socket.once('close', () => stream.destroy());
        stream.once('close', () => socket.end());
        socket.pipe(stream);
        stream.pipe(socket);
        socket.resume();
      },
      (e: unknown) => {
        lastError = e instanceof Error ? e.message : String(e);
        socket.destroy();
      },
    );
  };
  // Accepted paused, so nothing is read before the stream exists; half-open, so a local EOF does
  // not end the reply.
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(localPort, '127.0.0.1', () => resolve());
  }).catch((cause: unknown) => {
    throw new PreevyError(`Cannot listen on 127.0.0.1:${localPort} for the forward to ${describe}`, {
      code: 'PORT_IN_USE',
      kind: 'conflict',
      suggestions: ['Choose another local port, or 0 for any free one.'],
      cause,
    });
  });
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
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
