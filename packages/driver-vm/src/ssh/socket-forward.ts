import type { Duplex } from 'node:stream';
import { listenOnLoopback, type LoopbackListener } from '@preevy/core';

/** Opens one stream to the remote socket (an SSH channel). */
export type StreamOpener = () => Promise<Duplex>;

/** A listener on 127.0.0.1 whose every connection is one stream to a remote socket. */
export type LocalForward = LoopbackListener;

/**
 * Forwards 127.0.0.1:<localPort> to a remote socket, one stream per accepted connection (compose
 * opens many at once). Never binds another address: the remote Docker API stays private to this
 * machine. Half-closes pass through both ways, as SSH channels carry EOF.
 */
export const forwardToStreams = (openStream: StreamOpener, { localPort = 0, describe = 'the remote socket' }: { localPort?: number; describe?: string } = {}): Promise<LocalForward> =>
  listenOnLoopback(
    (socket, fail) => {
      openStream().then(
        (stream) => {
          if (socket.destroyed) return void stream.destroy();
          stream.on('error', (e: Error) => {
            fail(e.message);
            socket.destroy();
          });
          socket.once('close', () => stream.destroy());
          stream.once('close', () => socket.end());
          socket.pipe(stream);
          stream.pipe(socket);
          socket.resume();
        },
        (e: unknown) => {
          fail(e instanceof Error ? e.message : String(e));
          socket.destroy();
        },
      );
    },
    { localPort, describe },
  );
