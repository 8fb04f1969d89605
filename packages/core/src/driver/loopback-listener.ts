import { createServer, type AddressInfo, type Socket } from 'node:net';
import { PreevyError } from '../errors/preevy-error.js';
import type { Reachability } from './docker-host-driver.js';

/** A listener on 127.0.0.1 whose every connection a driver relays to its remote engine. */
export interface LoopbackListener extends AsyncDisposable {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Why the last relayed connection failed, as the relay reported it. */
  readonly lastError: string | undefined;
  close(): Promise<void>;
}

export interface LoopbackListenerOptions {
  /** 0 (the default): any free port. */
  localPort?: number;
  /** What the forward reaches, for the error when the port is taken. */
  describe: string;
}

/**
 * Listens on 127.0.0.1 only (a remote Docker API stays private to this machine) and hands each
 * connection to `relay`, with `fail` to record why one failed. Connections are accepted paused, so
 * nothing is read before the relay's stream exists, and half-open, so a local EOF does not end the
 * reply. Closing destroys every open connection.
 */
export const listenOnLoopback = async (
  relay: (socket: Socket, fail: (why: string) => void) => void,
  { localPort = 0, describe }: LoopbackListenerOptions,
): Promise<LoopbackListener> => {
  const sockets = new Set<Socket>();
  let lastError: string | undefined;
  const fail = (why: string): void => {
    lastError = why;
  };
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket)).on('error', () => socket.destroy());
    relay(socket, fail);
  });
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

const LOOPBACK = (host: string): boolean => /^127\./.test(host) || host === '::1' || host === '0.0.0.0' || host === 'localhost' || host.endsWith('.localhost');

/**
 * The reachability answer of a driver whose agent runs on another machine: anything but this
 * machine's loopback (where the embedded tunnel server listens).
 */
export const remoteAgentReaches = (address: { host: string }, where: string): Reachability =>
  LOOPBACK(address.host)
    ? { ok: false, reason: `${address.host} is this machine's loopback, which ${where} cannot reach`, suggestions: ['Run the tunnel server on an address the host reaches (or use a public one): the profile\'s --tunnel-url.'] }
    : { ok: true };
