import { describe, expect, it } from 'vitest';
import { execFileRunner } from './process-runner.js';

const MB = 1024 * 1024;

/** `count` chunks of 64 KiB, made only when asked for; `made()` says how many bytes were made so far. */
const lazyChunks = (count: number) => {
  let made = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < count; i++) {
      made += 64 * 1024;
      yield Buffer.alloc(64 * 1024, i % 256);
    }
  }
  return { source: chunks(), made: () => made };
};

describe('execFileRunner with a streamed input', () => {
  it('should deliver every byte, in order, and close stdin at the end', async () => {
    const { source } = lazyChunks(160); // 10 MiB
    const res = await execFileRunner('sh', ['-c', 'wc -c'], { input: source });
    expect(res).toEqual({ exitCode: 0, stdout: `${10 * MB}\n`, stderr: '' });
  });

  it('should make input only as fast as the program reads it (backpressure)', async () => {
    const { source, made } = lazyChunks(1600); // 100 MiB if nothing held it back
    const running = execFileRunner('sh', ['-c', 'sleep 0.4; cat >/dev/null'], { input: source });
    await new Promise((r) => setTimeout(r, 200));
    // What fits in the pipe and a few stream buffers, not the whole source.
    expect(made()).toBeLessThan(4 * MB);
    expect((await running).exitCode).toBe(0);
    expect(made()).toBe(100 * MB);
  });

  it('should report a program that exits before reading everything, with its stderr and exit code', async () => {
    const { source, made } = lazyChunks(1600);
    const res = await execFileRunner('sh', ['-c', 'head -c 1000 >/dev/null; echo "disk full" >&2; exit 3'], { input: source });
    expect(res).toMatchObject({ exitCode: 3, stderr: 'disk full\n', inputCut: true });
    expect(made()).toBeLessThan(8 * MB);
  });

  it('should close stdin and reject with the error of a failing source once the program has exited', async () => {
    const boom = new Error('source failed');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('partial');
      throw boom;
    }
    // `cat` only exits when its stdin is closed: a hang here would mean stdin was left open.
    await expect(execFileRunner('sh', ['-c', 'cat >/dev/null'], { input: failing() })).rejects.toBe(boom);
  });
});
