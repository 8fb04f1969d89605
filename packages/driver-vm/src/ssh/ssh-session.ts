import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { PreevyError } from '@preevy/core';
import { Client } from 'ssh2';
import { judgeHostKey, recordedHostKey, sshHostKeyChanged, type HostKeyVerdict, type SshHostKeyPin } from './host-key-pin.js';
import { proxyCommandArgv } from './proxy-command.js';
import type { SshAuth } from './ssh-auth.js';
import { formatSshTarget, type SshTarget } from './ssh-target.js';

/** Starts the proxy command (argv, no shell); injected for tests. */
export type ProxySpawner = (argv: string[]) => ChildProcess;

export interface SshSessionOptions {
  target: SshTarget;
  auth: SshAuth;
  /** The pin in force; none: trust on first use (the caller records `hostKey`). */
  pin?: SshHostKeyPin | undefined;
  /** OpenSSH ProxyCommand semantics: the SSH stream goes through its stdin/stdout. */
  proxyCommand?: string | undefined;
  /** For the TCP connection, the handshake and the login together. */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  spawnProxy?: ProxySpawner;
  /** The option that pins this driver's hosts, named in a refusal's remedy (default --ssh-host-key). */
  hostKeyFlag?: string;
}

/** A logged-in SSH connection; `hostKey` is the key line the host presented, `firstUse` when no pin judged it. */
export interface SshSession extends AsyncDisposable {
  readonly client: Client;
  readonly target: SshTarget;
  readonly hostKey: string;
  readonly verdict: Exclude<HostKeyVerdict, 'mismatch'>;
  /** True until the connection ends (keepalives unanswered, host gone, closed). */
  readonly open: boolean;
  close(): Promise<void>;
}

const defaultSpawn: ProxySpawner = (argv) => spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });

const STDERR_KEPT = 2048;

/** The proxy command's stdio as one stream for ssh2, and its last stderr for error messages. */
const startProxy = async (argv: string[], spawnProxy: ProxySpawner): Promise<{ sock: Duplex; child: ChildProcess; stderr: () => string }> => {
  const child = spawnProxy(argv);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEPT)));
  try {
    await once(child, 'spawn');
  } catch (cause) {
    throw new PreevyError(`Cannot start the SSH proxy command "${argv[0]}": ${(cause as Error).message}`, {
      code: 'SSH_PROXY_COMMAND_FAILED',
      kind: 'invalid-input',
      suggestions: ['Check --ssh-proxy-command: its first word must be a program on PATH (it runs without a shell).'],
      cause,
    });
  }
  // Errors after the start (EPIPE on a dead proxy) surface as the SSH connection's end.
  child.stdin?.on('error', () => undefined);
  const sock = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  sock.on('error', () => undefined);
  return { sock, child, stderr: () => stderr.trim() };
};

/** The host key algorithms that present a key of this type (an RSA key signs with three). */
const hostKeyAlgorithms = (keyType: string): string[] => (keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType]);

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN|Timed out while waiting for handshake|Connection lost before handshake/;

/**
 * Dials the host (directly, or through the proxy command's stdio), checks its host key against
 * the pin inside the handshake, before any credential is offered, and logs in with the given keys.
 */
export const openSshSession = async ({ target, auth, pin, proxyCommand, timeoutMs = 30_000, signal, spawnProxy = defaultSpawn, hostKeyFlag }: SshSessionOptions): Promise<SshSession> => {
  const name = formatSshTarget(target);
  const proxy = proxyCommand ? await startProxy(proxyCommandArgv(proxyCommand, target), spawnProxy) : undefined;
  const client = new Client();
  // ssh2 may emit more than one error (a dead proxy: the cause, then "Premature close"); the first
  // one settles the dial, later ones end the connection ('close' follows).
  client.on('error', () => undefined);
  let presented: Buffer | undefined;
  let verdict: HostKeyVerdict | undefined;
  let open = false;
  const ended = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const stopProxy = (): void => {
    if (proxy && proxy.child.exitCode === null && proxy.child.signalCode === null) proxy.child.kill('SIGTERM');
  };
  void ended.then(() => {
    open = false;
    stopProxy();
  });
  const close = async (): Promise<void> => {
    client.end();
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000).unref())]);
    client.destroy();
    stopProxy();
  };

  const failure = (err: Error & { level?: string }): PreevyError => {
    if (verdict === 'mismatch' && presented && pin) return sshHostKeyChanged({ target: name, pin, presented, ...(hostKeyFlag ? { flag: hostKeyFlag } : {}) });
    const via = proxyCommand ? ` through the proxy command${proxy?.stderr() ? ` (its stderr: ${proxy.stderr()})` : ''}` : '';
    if (err.level === 'client-authentication') {
      return new PreevyError(`SSH login to ${name} refused every key offered (${auth.tried.join(', ')})`, {
        code: 'SSH_AUTH_FAILED',
        kind: 'invalid-input',
        suggestions: [`Add the public key to ~${target.user}/.ssh/authorized_keys on the host, or give the matching private key with --ssh-identity-file.`],
        cause: err,
      });
    }
    if (proxyCommand || UNREACHABLE.test(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`)) {
      return new PreevyError(`Cannot reach the SSH host ${name}${via}: ${err.message}`, {
        code: 'SSH_UNREACHABLE',
        kind: 'unavailable',
        suggestions: [
          proxyCommand ? 'Run the proxy command by hand to see whether it connects.' : `Check that ${target.host} answers on port ${target.port} (\`ssh -p ${target.port} ${target.user}@${target.host}\`).`,
          'Or reach it through a bastion with --ssh-proxy-command.',
        ],
        cause: err,
      });
    }
    return new PreevyError(`SSH connection to ${name} failed: ${err.message}`, { code: 'SSH_CONNECTION_FAILED', kind: 'unavailable', cause: err });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        client.destroy();
        reject(new PreevyError(`Interrupted while connecting to ${name}`, { code: 'INTERRUPTED', kind: 'interrupted', suggestions: ['Run the command again.'] }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      client
        .once('ready', () => {
          settle();
          open = true;
          resolve();
        })
        .once('error', (err) => {
          settle();
          reject(failure(err));
        });
      // A close before 'ready' without an error (a proxy that exits at once).
      void ended.then(() => reject(failure(new Error('Connection lost before handshake'))));
      client.connect({
        ...(proxy ? { sock: proxy.sock } : { host: target.host, port: target.port }),
        username: target.user,
        authHandler: auth.methods,
        readyTimeout: timeoutMs,
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        // A host has keys of several types; a pinned key line asks for its own type, as OpenSSH
        // does for a host in known_hosts, so the host does not answer with another of its keys.
        ...(pin?.pin.kind === 'key' ? { algorithms: { serverHostKey: hostKeyAlgorithms(pin.pin.type) as never } } : {}),
        hostVerifier: (key: Buffer) => {
          presented = Buffer.from(key);
          verdict = judgeHostKey(pin, presented);
          return verdict !== 'mismatch';
        },
      });
    });
  } catch (err) {
    await close();
    throw err;
  }
  const key = presented as Buffer;
  return {
    client,
    target,
    hostKey: recordedHostKey(key),
    verdict: verdict as Exclude<HostKeyVerdict, 'mismatch'>,
    get open() {
      return open;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
};

