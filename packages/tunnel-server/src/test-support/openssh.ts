import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestKey } from './forwarding-client.js';

export interface OpenSshRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the stock OpenSSH client against a loopback server with `key`, stdin closed, and waits for it to exit. */
export const runOpenSsh = async (key: TestKey, args: string[], { timeoutMs = 15_000 } = {}): Promise<OpenSshRun> => {
  const dir = mkdtempSync(join(tmpdir(), 'preevy-openssh-'));
  const keyFile = join(dir, 'id_ed25519');
  writeFileSync(keyFile, key.openssh, { mode: 0o600 });
  try {
    return await new Promise<OpenSshRun>((resolve, reject) => {
      const ssh = spawn('ssh', ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'BatchMode=yes', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      ssh.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      ssh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => ssh.kill('SIGKILL'), timeoutMs);
      ssh.on('error', reject);
      ssh.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
