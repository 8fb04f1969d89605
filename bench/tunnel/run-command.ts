import { spawn } from 'node:child_process';

/** Runs a command to completion and returns both outputs; a non-zero exit is an error. */
export const runCommandOutput = (cmd: string, args: string[], { signal }: { signal?: AbortSignal } = {}): Promise<{ stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code, sig) => (code === 0 || signal?.aborted ? resolve({ stdout, stderr }) : reject(new Error(`${cmd} exited ${code ?? sig}: ${stderr.trim()}`))));
  });

/** Runs a command to completion and returns its stdout; a non-zero exit is an error. */
export const runCommand = async (cmd: string, args: string[], opts: { signal?: AbortSignal } = {}): Promise<string> => (await runCommandOutput(cmd, args, opts)).stdout;
