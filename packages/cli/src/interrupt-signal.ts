/**
 * Runs `fn` with a signal aborted by the first Ctrl-C (SIGINT), so the command stops its child
 * processes and reports what is left, instead of dying with them still running. A second
 * Ctrl-C finds no listener and ends the process at once, as usual.
 */
export const withInterruptSignal = async <T>(fn: (signal: AbortSignal) => Promise<T>, proc: Pick<NodeJS.Process, 'once' | 'off'> = process): Promise<T> => {
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  proc.once('SIGINT', onInterrupt);
  try {
    return await fn(controller.signal);
  } finally {
    proc.off('SIGINT', onInterrupt);
  }
};
