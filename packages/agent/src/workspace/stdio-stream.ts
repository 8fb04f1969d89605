import { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * stdin and stdout as one Duplex for the SSH server. Pipes and sockets get their own
 * non-blocking handles (process.stdout writes synchronously to a pipe on Linux, which would
 * stall every session while the transport is slow); anything else falls back to process.stdin/out.
 */
export const stdioDuplex = (): Duplex => {
  let readable: NodeJS.ReadableStream;
  let writable: NodeJS.WritableStream;
  try {
    readable = new Socket({ fd: 0, readable: true, writable: false });
    writable = new Socket({ fd: 1, readable: false, writable: true });
  } catch {
    readable = process.stdin;
    writable = process.stdout;
  }
  return Duplex.from({ readable, writable });
};
