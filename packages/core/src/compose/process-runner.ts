import { execFile } from 'node:child_process';

/** What a finished process left behind; a non-zero exit is a result, not an exception. */
export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs a program without a shell. Resolves whatever the exit code; rejects only when the program
 * could not be started (then the error carries Node's `code`, e.g. `ENOENT`).
 */
export interface ProcessRunner {
  run(cmd: string, args: readonly string[], options: RunOptions): Promise<ProcessResult>;
}

const MAX_OUTPUT = 64 * 1024 * 1024;

/** The production runner: `execFile`, no shell, so arguments are never re-parsed. */
export const execFileRunner: ProcessRunner = Object.freeze({
  run: (cmd: string, args: readonly string[], { cwd, env }: RunOptions): Promise<ProcessResult> =>
    new Promise<ProcessResult>((resolve, reject) => {
      execFile(cmd, args, { cwd, env, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (err, stdout, stderr) => {
        // A numeric code is the exit status; a string code (ENOENT, EACCES, ERR_CHILD_PROCESS_STDIO_MAXBUFFER) means it did not run to completion.
        if (err && typeof err.code !== 'number') {
          reject(Object.assign(new Error(`${cmd} could not run: ${err.message}`, { cause: err }), { code: err.code }));
          return;
        }
        resolve({ exitCode: err ? Number(err.code) : 0, stdout, stderr });
      });
    }),
});
