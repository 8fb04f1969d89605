import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { ProcessStartError } from './process-runner.js';
import { pumpToStdin } from './pump-to-stdin.js';

/** One end of a pipe: a program, never run through a shell. */
export interface PipeCommand {
  file: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface PipeSideResult {
  /** 128 + the signal's number when a signal ended it. */
  exitCode: number;
  /** The end of its stderr (at most 64 KiB). */
  stderr: string;
  /** Set when this side was killed because the other one failed (or the pipe was aborted). */
  stopped?: true;
}

export interface PipeResult {
  /** Bytes that went from the producer's stdout into the consumer's stdin. */
  bytes: number;
  from: PipeSideResult;
  /** `stdout`: the end of the consumer's own output; `inputCut`: it exited before reading all of it. */
  to: PipeSideResult & { stdout: string; inputCut?: true };
}

/**
 * Runs `from | to` without a shell or a temp file and reports both ends; it does not throw on a
 * non-zero exit. Rejects with ProcessStartError when either program cannot start.
 */
export type ProcessPipe = (from: PipeCommand, to: PipeCommand, options?: { signal?: AbortSignal | undefined; onBytes?: (total: number) => void }) => Promise<PipeResult>;

const TAIL = 64 * 1024;
/** After a program exits, how long its stdio may stay open (held by a child it left behind) before we stop reading. */
const CLOSE_GRACE_MS = 2_000;

/** Keeps the last `TAIL` bytes of a stream: enough for an error message, bounded for a chatty program. */
const tailOf = (stream: Readable | null): (() => string) => {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    while (size - chunks[0]!.length >= TAIL) size -= chunks.shift()!.length;
  });
  return () => {
    const all = Buffer.concat(chunks, size);
    return all.subarray(Math.max(0, all.length - TAIL)).toString('utf8');
  };
};

interface Ended {
  exitCode: number;
}

/** Resolves when the program has exited and its stdio closed; stdio a left-behind child still holds is dropped after a grace period. */
const endOf = (child: ChildProcess): Promise<Ended> =>
  new Promise((resolve) => {
    let grace: NodeJS.Timeout | undefined;
    child.once('exit', () => {
      grace = setTimeout(() => [child.stdin, child.stdout, child.stderr].forEach((s) => s?.destroy()), CLOSE_GRACE_MS);
      grace.unref();
    });
    child.once('close', (code, signal) => {
      clearTimeout(grace);
      resolve({ exitCode: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0) });
    });
  });

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** The production pipe: node:child_process spawn for both ends, the bytes pumped with backpressure (pumpToStdin). */
export const pipeProcesses: ProcessPipe = async (from, to, { signal, onBytes } = {}) => {
  const producer = spawn(from.file, [...from.args], { env: from.env, cwd: from.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const consumer = spawn(to.file, [...to.args], { env: to.env, cwd: to.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const stopped = new Set<ChildProcess>();
  const stop = (child: ChildProcess): void => {
    if (!running(child)) return;
    stopped.add(child);
    child.kill('SIGTERM');
  };

  let startError: ProcessStartError | undefined;
  for (const [child, file] of [[producer, from.file], [consumer, to.file]] as const) {
    child.once('error', (err) => {
      startError ??= new ProcessStartError(file, err);
      stop(producer);
      stop(consumer);
    });
  }
  const producerErr = tailOf(producer.stderr);
  const consumerErr = tailOf(consumer.stderr);
  const consumerOut = tailOf(consumer.stdout);
  const producerEnd = endOf(producer);
  const consumerEnd = endOf(consumer);

  // Either side failing stops the other: a consumer that died would leave the producer blocked
  // on a full pipe (or waiting on its engine), a failed producer leaves a truncated stream that
  // the consumer must not wait on or half-apply.
  producer.once('exit', (code) => code !== 0 && stop(consumer));
  // A consumer that exits before the end of the stream (even with 0) leaves nobody to read it.
  consumer.once('exit', (code) => (code !== 0 || !producer.stdout.readableEnded) && stop(producer));
  const abort = (): void => {
    stop(producer);
    stop(consumer);
  };
  if (signal?.aborted) abort();
  signal?.addEventListener('abort', abort, { once: true });

  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    // Leaving this loop early (the consumer is gone) destroys the producer's stdout.
    for await (const chunk of producer.stdout as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      onBytes?.(bytes);
      yield chunk;
    }
  }
  const pumped = pumpToStdin(counted(), consumer.stdin).catch(() => 'failed' as const);
  const outcome = await pumped;
  // A consumer that stopped reading while still running is no consumer: stop both, never hang.
  if (outcome !== 'done') {
    stop(consumer);
    stop(producer);
  }
  const [producerEnded, consumerEnded] = await Promise.all([producerEnd, consumerEnd]);
  signal?.removeEventListener('abort', abort);
  if (startError) throw startError;
  return {
    bytes,
    from: { exitCode: producerEnded.exitCode, stderr: producerErr(), ...(stopped.has(producer) ? { stopped: true as const } : {}) },
    to: {
      exitCode: consumerEnded.exitCode,
      stderr: consumerErr(),
      stdout: consumerOut(),
      ...(stopped.has(consumer) ? { stopped: true as const } : {}),
      ...(outcome === 'cut' ? { inputCut: true as const } : {}),
    },
  };
};
