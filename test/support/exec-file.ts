import { execFile as execFileCb } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a program without a shell and resolves with its output and exit code, even when it fails. */
export const execFile = (file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ExecResult> =>
  new Promise((resolve, reject) => {
    execFileCb(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`${file} could not run: ${err.message}`, { cause: err }));
          return;
        }
        resolve({ stdout, stderr, exitCode: err ? Number(err.code) : 0 });
      },
    );
  });
