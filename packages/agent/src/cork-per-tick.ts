import type { Socket } from 'node:net';

/**
 * Holds a socket's writes until the end of the current tick, so a burst of small writes goes out
 * in one writev instead of one syscall each. ssh2 writes every SSH packet on its own (a response
 * is data + EOF + close, plus window adjusts), and one read from a socket often yields several
 * packets or chunks written in the same tick. With TCP_NODELAY on, nothing waits past this tick.
 */
export const corkPerTick = <S extends Socket>(socket: S): S => {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as S['write'];
  return socket;
};
