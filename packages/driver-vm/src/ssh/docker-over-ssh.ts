import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { PreevyError, type DockerConnection } from '@preevy/core';
import type { Client } from 'ssh2';
import { forwardToStreams } from './socket-forward.js';
import type { SshSession } from './ssh-session.js';
import { formatSshTarget } from './ssh-target.js';

/** A Docker engine reached through an SSH forward of its socket; `hostKey` is what the host presented. */
export interface SshDockerConnection extends DockerConnection {
  dockerHost: string;
  seesLocalFiles: false;
  readonly port: number;
  readonly hostKey: string;
  readonly lastError: string | undefined;
  close(): Promise<void>;
}

/** One channel to a unix socket on the host (OpenSSH's direct-streamlocal). */
export const openStreamLocal = (client: Client, socketPath: string): Promise<Duplex> =>
  new Promise((resolve, reject) => {
    client.openssh_forwardOutStreamLocal(socketPath, (err, channel) => (err ? reject(err) : resolve(channel)));
  });

/**
 * Forwards the host's Docker socket to 127.0.0.1:<ephemeral port>. The first session serves until
 * it ends (host rebooted, network dropped); the next forwarded connection then dials again with
 * `redial`, which checks the host key against the same pin.
 */
export const forwardDockerSocket = async (first: SshSession, socketPath: string, redial: () => Promise<SshSession>): Promise<SshDockerConnection> => {
  let live: SshSession = first;
  let dialing: Promise<SshSession> | undefined;
  let closed = false;
  // Concurrent connections after a drop share one redial.
  const session = (): Promise<SshSession> => {
    if (live.open) return Promise.resolve(live);
    if (closed) return Promise.reject(new Error('the connection is closed'));
    dialing ??= redial()
      .then((s) => (live = s))
      .finally(() => (dialing = undefined));
    return dialing;
  };
  const forward = await forwardToStreams(async () => openStreamLocal((await session()).client, socketPath), { describe: `${socketPath} on ${formatSshTarget(first.target)}` });
  const close = async (): Promise<void> => {
    closed = true;
    await forward.close();
    await dialing?.catch(() => undefined);
    await live.close();
  };
  return {
    dockerHost: `tcp://127.0.0.1:${forward.port}`,
    seesLocalFiles: false,
    port: forward.port,
    hostKey: first.hostKey,
    get lastError() {
      return forward.lastError;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
};

/** GET /_ping through the forward: the engine's own answer, so a dead socket is told apart from a dead SSH link. */
export const pingDocker = (port: number, timeoutMs = 15_000): Promise<string> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/_ping', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString())).on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body.trim()}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`))).on('error', reject);
    req.end();
  });

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs a command on the host and returns its exit code (undefined: it could not run); its output is dropped. */
export const exitCodeOf = (client: Client, command: string): Promise<number | undefined> =>
  new Promise((resolve) => {
    client.exec(command, (err, stream) => {
      if (err) return resolve(undefined);
      stream.on('close', (code: number | undefined) => resolve(code)).resume();
      stream.stderr.resume();
    });
  });

/** Runs a command on the host and returns its standard output (at most 4 KiB), or undefined when it fails. */
export const outputOf = (client: Client, command: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    client.exec(command, (err, stream) => {
      if (err) return resolve(undefined);
      let out = '';
      stream.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(0, 4096)));
      stream.on('close', (code: number | undefined) => resolve(code === 0 ? out : undefined));
      stream.stderr.resume();
    });
  });

/**
 * Proves the engine answers through the forward; when it does not, says why: the socket is
 * missing, the user may not use it, or sshd refuses socket forwarding.
 */
export const checkDockerAnswers = async (conn: SshDockerConnection, session: SshSession, socketPath: string): Promise<void> => {
  const where = formatSshTarget(session.target);
  try {
    await pingDocker(conn.port);
    return;
  } catch (err) {
    const channelError = conn.lastError;
    let why = channelError ?? (err as Error).message;
    const suggestions: string[] = [];
    if (channelError) {
      const exists = await exitCodeOf(session.client, `test -S ${shellQuote(socketPath)}`);
      const writable = exists === 0 ? await exitCodeOf(session.client, `test -w ${shellQuote(socketPath)}`) : undefined;
      if (exists === 1) {
        why = `no socket at ${socketPath}`;
        suggestions.push('Start Docker on the host, or give its socket with --ssh-docker-socket.');
      } else if (writable === 1) {
        why = `${session.target.user} may not use ${socketPath}`;
        suggestions.push(`Add ${session.target.user} to the docker group on the host (\`sudo usermod -aG docker ${session.target.user}\`), then log in again.`);
      } else {
        suggestions.push('Check that sshd allows socket forwarding (AllowStreamLocalForwarding yes, the default; DisableForwarding no).');
      }
    } else {
      suggestions.push(`Check that Docker runs on the host: \`ssh ${session.target.user}@${session.target.host} docker version\`.`);
    }
    throw new PreevyError(`Docker on ${where} does not answer through ${socketPath}: ${why}`, {
      code: 'SSH_DOCKER_UNREACHABLE',
      kind: 'unavailable',
      suggestions,
      cause: err,
    });
  }
};
