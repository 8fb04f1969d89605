import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { ProcessStartError } from './process-runner.js';

/**
 * Runs a program on this process's stdin/stdout/stderr and resolves with its exit code: for
 * output that must stream as it comes (`logs --follow`), which a buffering runner would hold back.
 */
export type AttachedRunner = (file: string, args: readonly string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }) => Promise<number>;

/** The production attached runner: node:child_process spawn with inherited stdio, never a shell. */
export const spawnAttached: AttachedRunner = (file, args, { cwd, env } = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { cwd, env, stdio: 'inherit' });
    child.once('error', (err) => reject(new ProcessStartError(file, err)));
    // Killed by a signal: the shell convention, 128 + its number (130 for Ctrl-C).
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
