import type { Writable } from 'node:stream';

/** How feeding a program's stdin ended: all of the source was written, or the program stopped reading first. */
export type PumpOutcome = 'done' | 'cut';

/**
 * Writes `source` to `stdin` one chunk at a time, waiting for `drain` whenever the pipe is full,
 * so only a chunk or two is ever held in memory. A stdin that fails or closes (the program exited)
 * ends the pump as `cut` and stops the source; an error of the source itself is rethrown after
 * stdin is closed, so the program sees an end of input rather than a hang.
 */
export const pumpToStdin = async (source: AsyncIterable<Uint8Array>, stdin: Writable): Promise<PumpOutcome> => {
  let cut = false;
  let wake = (): void => {};
  const stop = (): void => {
    cut = true;
    wake();
  };
  // Stays attached: an EPIPE after the last write (the program exited without reading the tail) must not crash us.
  stdin.on('error', stop);
  stdin.once('close', stop);
  const it = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await it.next();
      if (next.done || cut) break;
      if (!stdin.write(next.value)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          stdin.once('drain', resolve);
          if (cut) resolve();
        });
        wake = () => {};
      }
      if (cut) break;
    }
  } catch (err) {
    stdin.end();
    throw err;
  } finally {
    stdin.removeListener('close', stop);
  }
  if (cut) {
    await it.return?.();
    return 'cut';
  }
  stdin.end();
  return 'done';
};
