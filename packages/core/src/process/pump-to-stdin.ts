import type { Writable } from 'node:stream';

/** How feeding a program's stdin ended: all of the source was written, or the program stopped reading first. */
export type PumpOutcome = 'done' | 'cut';

const BATCH = 64 * 1024;

/**
 * Writes `source` to `stdin`, waiting for `drain` whenever the pipe is full, so only a batch
 * (about 64 KiB) or two is ever held in memory. A stdin that fails or closes (the program exited)
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
  const write = async (data: Uint8Array): Promise<void> => {
    if (stdin.write(data)) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
      stdin.once('drain', resolve);
      if (cut) resolve();
    });
    stdin.removeListener('drain', wake);
    wake = () => {};
  };
  // Small chunks (a tar header, a little file) are gathered into one write: a pipe write per chunk
  // would cost a system call each, and the program on the other side a read each.
  let batch: Uint8Array[] = [];
  let batched = 0;
  const flush = async (): Promise<void> => {
    if (!batched) return;
    const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    await write(data);
  };
  const it = source[Symbol.asyncIterator]();
  try {
    while (!cut) {
      const next = await it.next();
      if (next.done) {
        await flush();
        break;
      }
      batch.push(next.value);
      batched += next.value.length;
      if (batched >= BATCH) await flush();
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
