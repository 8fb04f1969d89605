import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientIdFromKey, EXEC_HELLO, generateOpenSshEd25519, parseHelloReply, sshBlobFromEd25519Key, tunnelLabel } from '@preevy/tunnel-protocol';
import { runCommandOutput } from './run-command.js';

const ENV_ID = 'bench-openssh';
const TUNNEL_NAME = 'web-80';

export interface OpenSshForward {
  /** The tunnel's hostname, for the `Host` header. */
  host: string;
  /** The `ssh` process, whose CPU counts in the path. */
  pid: number;
  /** `ssh -V`. */
  version: string;
  /** What the client and server agreed on, from `ssh -v`: `kex: ... cipher: X MAC: Y` both ways. */
  negotiated: string;
  stop(): Promise<void>;
}

/**
 * `ssh -v ... hello`: the server's hello reply (stdout) and the negotiation log (stderr). stdin
 * stays an open pipe until ssh exits: at EOF on stdin OpenSSH half-closes the session, and a
 * server that has not yet accepted the exec request then gets no channel from ssh2 (a server
 * older than the hardening threw on it and exited, which would end a BENCH_BASELINE_REF run). The
 * exit status is not checked: such a server also sent `exit-status` after closing, and ssh says 255.
 */
const probe = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const ssh = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'], signal: AbortSignal.timeout(15_000) });
    let stdout = '';
    let stderr = '';
    ssh.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    ssh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    ssh.once('error', reject);
    ssh.once('close', () => {
      ssh.stdin.destroy();
      resolve({ stdout, stderr });
    });
  });

/** GET / through the tunnel server until the tunnel answers 200 (bounded). */
const waitForTunnel = async (httpPort: number, host: string, exited: () => string | undefined): Promise<void> => {
  const get = (): Promise<number> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: httpPort, path: '/', headers: { Host: host }, agent: false, timeout: 2_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0)).on('timeout', () => req.destroy());
      req.end();
    });
  for (let i = 0; i < 100; i++) {
    const gone = exited();
    if (gone !== undefined) throw new Error(`ssh -R exited before its tunnel served: ${gone}`);
    if ((await get()) === 200) return;
    await sleep(100);
  }
  throw new Error(`the OpenSSH tunnel ${host} never answered 200 within 10 s`);
};

/**
 * The path users of a stock OpenSSH client take: `ssh -N -R web-80:80:127.0.0.1:<origin>` against
 * our tunnel server, with OpenSSH's own algorithm preferences (no `-o Ciphers`, no config file):
 * the client's order decides which of the server's ciphers is used. A first short `ssh -v ...
 * hello` connection with the same options reads what was negotiated and the client id the server
 * derived; the forwarding client itself runs quiet, so logging costs it no CPU.
 */
export const startOpenSshForward = async ({ sshPort, httpPort, baseHost }: { sshPort: number; httpPort: number; baseHost: string }, originPort: number): Promise<OpenSshForward> => {
  const dir = mkdtempSync(join(tmpdir(), 'preevy-bench-ssh-'));
  const keyFile = join(dir, 'id_ed25519');
  const { openssh, publicKey } = generateOpenSshEd25519('preevy-bench');
  writeFileSync(keyFile, openssh, { mode: 0o600 });
  const common = [
    ...['-F', '/dev/null', '-p', String(sshPort), '-i', keyFile],
    ...['-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
    ...['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'],
  ];
  const target = `${ENV_ID}@127.0.0.1`;
  try {
    const version = (await runCommandOutput('ssh', ['-V'])).stderr.trim();
    const hello = await probe([...common, '-v', target, EXEC_HELLO]);
    const negotiated = [...hello.stderr.matchAll(/kex: (server->client|client->server) cipher: (\S+) MAC: (\S+)/g)].map((m) => `${m[1]} ${m[2]} MAC ${m[3]}`);
    const clientId = clientIdFromKey(sshBlobFromEd25519Key(publicKey));
    let serverClientId: string;
    try {
      serverClientId = parseHelloReply(hello.stdout).clientId;
    } catch {
      throw new Error(`ssh ... hello got no hello reply: ${hello.stdout.trim()} ${hello.stderr.split('\n').slice(-5).join('\n')}`);
    }
    if (serverClientId !== clientId) throw new Error(`the server says client id ${serverClientId}, tunnel-protocol derives ${clientId}`);
    const host = `${tunnelLabel({ name: TUNNEL_NAME, envId: ENV_ID, clientId })}.${baseHost}`;

    const ssh = spawn('ssh', [...common, '-N', '-o', 'ExitOnForwardFailure=yes', '-o', 'LogLevel=ERROR', '-R', `${TUNNEL_NAME}:80:127.0.0.1:${originPort}`, target], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    ssh.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
    let exit: string | undefined;
    const exited = new Promise<void>((r) => ssh.once('exit', (code, sig) => ((exit = `${code ?? sig} ${stderr.trim()}`), r())));
    ssh.once('error', (err) => (exit = err.message));
    const stop = async (): Promise<void> => {
      if (exit === undefined) ssh.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => ssh.kill('SIGKILL'))]);
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitForTunnel(httpPort, host, () => exit);
    } catch (err) {
      await stop();
      throw err;
    }
    return { host, pid: ssh.pid!, version, negotiated: negotiated.join('; ') || 'unknown (no kex lines in ssh -v)', stop };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
};
