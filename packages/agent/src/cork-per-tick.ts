import type { Socket } from 'node:net';

/** Writes at least this big go out at once: bulk data gains nothing from waiting for the tick's end. */
const SMALL_WRITE_BYTES = 16 * 1024;

/**
 * Holds a socket's small writes until the end of the current tick, so a burst of them goes out in
 * one writev instead of one syscall each. ssh2 writes every SSH packet on its own (a response is
 * data + EOF + close, plus channel confirmations and window adjusts): bench/tunnel measured about
 * 12 % less path CPU per `Connection: close` request. A big write while nothing is held goes
 * straight out (corking bulk writes on the relay's sockets cost CPU per GB). With TCP_NODELAY on,
 * nothing waits past this tick.
 */
export const corkPerTick = <S extends Socket>(socket: S): S => {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = (...args: unknown[]): boolean => {
    const chunk = args[0] as { length?: number } | undefined;
    if (!corked && (chunk?.length ?? 0) < SMALL_WRITE_BYTES) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  };
  return socket;
};
