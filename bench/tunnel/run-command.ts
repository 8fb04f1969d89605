import { spawn } from 'node:child_process';

/** Runs a command to completion and returns its stdout; a non-zero exit is an error. */
export const runCommand = (cmd: string, args: string[], { signal }: { signal?: AbortSignal } = {}): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code, sig) => (code === 0 || signal?.aborted ? resolve(out) : reject(new Error(`${cmd} exited ${code ?? sig}: ${err.trim()}`))));
  });
