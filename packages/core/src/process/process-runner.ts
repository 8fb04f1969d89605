import { execFile } from 'node:child_process';
import type { Writable } from 'node:stream';
import { pumpToStdin, type PumpOutcome } from './pump-to-stdin.js';

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the program exited (or closed its stdin) before it had read all of a streamed `input`. */
  inputCut?: true;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Written to the program's stdin, which is then closed (bytes are sent as they are, e.g. a tar).
   * An async iterable is streamed with backpressure; if it throws, stdin is closed and the run
   * rejects with that error once the program has exited.
   */
  input?: string | Uint8Array | AsyncIterable<Uint8Array>;
  timeoutMs?: number;
  /** On abort the program gets SIGINT (compose then cancels cleanly); the result still waits for it to exit. */
  signal?: AbortSignal;
}

/** Runs a program (never through a shell) and reports how it ended; it does not throw on a non-zero exit. */
export type ProcessRunner = (file: string, args: readonly string[], options?: RunOptions) => Promise<ProcessResult>;

/** A program that could not be started at all (not installed, not executable). */
export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`could not run ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** The production runner: node:child_process execFile, output as UTF-8 text. */
export const execFileRunner: ProcessRunner = (file, args, { cwd, env, input, timeoutMs = 0, signal } = {}) =>
  new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { cwd, env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number' && err.code !== null) {
        reject(new ProcessStartError(file, err));
        return;
      }
      const result: ProcessResult = { exitCode: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr };
      pumped.then(
        (outcome) => resolve(outcome === 'cut' ? { ...result, inputCut: true } : result),
        (inputError: unknown) => reject(inputError as Error),
      );
    });
    const pumped = feedStdin(child.stdin, input);
    pumped.catch(() => {}); // reported by the callback above, once the program has exited
    // Not execFile's own `signal`: that reports at once, before the program has exited.
    if (signal) {
      const interrupt = (): boolean => child.kill('SIGINT');
      if (signal.aborted) interrupt();
      else signal.addEventListener('abort', interrupt, { once: true });
      child.once('close', () => signal.removeEventListener('abort', interrupt));
    }
  });

const feedStdin = (stdin: Writable | null, input: RunOptions['input']): Promise<PumpOutcome> => {
  if (input === undefined || !stdin) return Promise.resolve('done');
  if (typeof input === 'string' || input instanceof Uint8Array) {
    stdin.end(input);
    return Promise.resolve('done');
  }
  return pumpToStdin(input, stdin);
};
