import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2, { type Connection } from 'ssh2';
import { describeError } from '../errors.js';
import { silentLogger, type AgentLogger } from '../logger.js';
import { throttleActivity, type ActivityCallback } from './activity.js';
import { AgentForwarding } from './agent-forwarding.js';
import { loginAccount } from './login-shell.js';
import { handleDirectTcpip, RemoteForwards } from './port-forwarding.js';
import { loadPtySpawner, type PtySpawner } from './pty.js';
import type { SessionProcess } from './session-process.js';
import { handleSession } from './ssh-session.js';

export interface ServeSshOptions {
  /** The host private key (OpenSSH or PEM text, or what `readHostKeyFile` returns): the laptop pins its public half. */
  hostKey: Buffer | string;
  /** Program for shells and `-c` commands; default the login shell of the current uid in /etc/passwd, else /bin/sh. */
  shell?: string;
  /** Added to every session's environment (e.g. the devcontainer's remoteEnv). */
  env?: Readonly<Record<string, string>>;
  /** Variable names a client may set with `env`/`SendEnv`, beyond LANG, LC_*, TERM, COLORTERM, TZ. */
  acceptEnv?: readonly string[];
  /** Working directory of sessions and base of relative SFTP paths; default the process's (docker exec -w). */
  cwd?: string;
  /** Called on session and channel opens, on data and while the connection is open, at most once per `activityIntervalMs` (default 5 s). */
  onActivity?: ActivityCallback;
  activityIntervalMs?: number;
  /** Must not write to stdout when serving on stdio: stdout is the SSH stream. */
  logger?: AgentLogger;
  /** Keepalive probes to the client: a client that vanished without an EOF (a port-forward cannot pass one) ends the connection after interval × count. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Side effects, for tests. */
  baseEnv?: NodeJS.ProcessEnv;
  uid?: number;
  readPasswd?: () => string | undefined;
  loadPty?: () => Promise<PtySpawner>;
}

export interface SshConnection {
  /** Settles when the connection has ended and its processes, listeners and sockets are cleaned up. */
  readonly done: Promise<void>;
  /** Ends the connection now (hangs up its sessions). */
  close(): void;
}

const readEtcPasswd = (): string | undefined => {
  try {
    return readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Serves exactly one SSH connection on `stream` (stdin/stdout in the agent). The transport that
 * carries the stream is already authenticated, so every client authentication is accepted; the
 * server still proves its identity with `hostKey`. Sessions run as this process's user.
 */
export const serveSsh = (stream: Duplex, options: ServeSshOptions): SshConnection => {
  const log = options.logger ?? silentLogger;
  const baseEnv = options.baseEnv ?? process.env;
  const account = loginAccount(options.uid ?? process.getuid?.() ?? 0, (options.readPasswd ?? readEtcPasswd)(), baseEnv);
  const shell = options.shell ?? account.shell;
  const cwd = options.cwd ?? process.cwd();
  const activity = throttleActivity(options.onActivity ?? (() => undefined), options.activityIntervalMs ?? 5_000);
  const onData = () => activity('data');
  const loadPty = options.loadPty ?? loadPtySpawner;
  let ptySpawner: Promise<PtySpawner> | undefined;
  const sessionEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    HOME: account.home,
    USER: account.name,
    LOGNAME: account.name,
    SHELL: shell,
    PATH: baseEnv.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ...options.env,
  };
  const processes = new Set<SessionProcess>();
  let conn: Connection | undefined;
  let forwards: RemoteForwards | undefined;
  let agentForwarding: AgentForwarding | undefined;

  let ended!: () => void;
  const connectionEnded = new Promise<void>((resolve) => (ended = resolve));
  // Either side ending is the end: stdin's EOF (when the transport passes one), ssh2 ending its
  // output (a DISCONNECT, a keepalive timeout, a protocol error), or an error on the stream.
  stream.once('end', () => stream.destroy());
  stream.once('finish', () => stream.destroy());
  stream.once('error', (err) => {
    log.debug({ err: describeError(err) }, 'ssh stream error');
    stream.destroy();
  });
  stream.once('close', ended);

  const server = new ssh2.Server(
    { hostKeys: [options.hostKey], ident: 'preevy-workspace', keepaliveInterval: options.keepaliveIntervalMs ?? 15_000, keepaliveCountMax: options.keepaliveCountMax ?? 4 },
    (client) => {
      conn = client;
      forwards = new RemoteForwards(client, { log, onData });
      agentForwarding = new AgentForwarding(client, { log, onData });
      const ctx = {
        shell,
        cwd,
        baseEnv: sessionEnv,
        acceptEnv: new Set(options.acceptEnv ?? []),
        agentForwarding,
        loadPty: () => (ptySpawner ??= loadPty()),
        onData,
        log,
        processes,
      };
      const fwd = forwards;
      client.on('authentication', (auth) => {
        // The transport (docker exec through the driver) is the authentication.
        log.debug({ user: auth.username, method: auth.method }, 'client accepted');
        auth.accept();
      });
      client.on('ready', () => {
        log.info({}, 'ssh client connected');
        // An open connection is activity even when quiet (a shell at its prompt, an IDE attached):
        // the idle watch stops a workspace only when nobody is connected.
        const keepAlive = setInterval(() => activity('session'), options.activityIntervalMs ?? 5_000);
        keepAlive.unref();
        void connectionEnded.then(() => clearInterval(keepAlive));
      });
      client.on('session', (accept) => {
        activity('session');
        handleSession(accept(), ctx);
      });
      client.on('tcpip', (accept, reject, info) => {
        activity('channel');
        handleDirectTcpip(accept, reject, info, { log, onData });
      });
      client.on('request', (accept, reject, name, info) => {
        if (name === 'tcpip-forward') {
          const bind = info;
          fwd.add(bind).then(
            (port) => {
              log.debug({ bind: `${bind.bindAddr}:${port}` }, 'remote forward listening');
              accept?.(port);
            },
            (err: unknown) => {
              log.warn({ bind: `${bind.bindAddr}:${bind.bindPort}`, err: describeError(err) }, 'remote forward refused');
              reject?.();
            },
          );
        } else if (name === 'cancel-tcpip-forward') {
          if (fwd.cancel(info)) accept?.();
          else reject?.();
        } else {
          reject?.();
        }
      });
      client.on('error', (err) => log.debug({ err: describeError(err) }, 'ssh connection error'));
      client.on('close', () => stream.destroy());
    },
  );
  server.on('error', (err: Error) => log.warn({ err: describeError(err) }, 'ssh server error'));
  // ssh2 only reads and writes the socket and listens for its events: any Duplex serves.
  server.injectSocket(stream as Socket);

  const done = connectionEnded.then(async () => {
    for (const p of processes) p.hangUp();
    forwards?.closeAll();
    await agentForwarding?.close();
    await Promise.race([Promise.allSettled([...processes].map((p) => p.done)), new Promise((r) => setTimeout(r, 2_000).unref())]);
    log.info({}, 'ssh connection ended');
  });
  return {
    done,
    close: () => {
      conn?.end();
      stream.destroy();
    },
  };
};
