import { connect as netConnect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EXEC_HELLO,
  formatMetadataCommand,
  MAX_METADATA_COMMAND_BYTES,
  MAX_METADATA_SERVICES,
  parseHelloReply,
  type EnvInfo,
  type EnvMetadata,
  type HelloReply,
  type TunnelAccess,
  type TunnelRejection,
} from '@preevy/tunnel-protocol';
import { Client, type ClientChannel, type TcpConnectionDetails } from 'ssh2';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { corkPerTick } from './cork-per-tick.js';
import type { DesiredTunnel } from './discovery.js';
import { describeError } from './errors.js';
import { hostKeyCheck } from './host-key.js';
import { silentLogger, type AgentLogger } from './logger.js';

/** The bind port of every forward: the protocol routes by the bind address, the port is fixed. */
export const FORWARD_BIND_PORT = 80;

export type TunnelClientStatus = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface TunnelStatus {
  service: string;
  port: number;
  access: TunnelAccess;
  name: string;
  /** `active`: the server holds the forward; `rejected`: it refused it (see `reason`); `pending`: not asked yet. */
  state: 'pending' | 'active' | 'rejected';
  /** From the server's `hello` reply, once the forward is active. */
  url?: string;
  reason?: string;
}

export interface TunnelClientState {
  status: TunnelClientStatus;
  envId: string;
  /** Known after the first `hello`: the server derives it from the agent's key. */
  clientId?: string;
  baseUrl?: string;
  lastError?: string;
  tunnels: TunnelStatus[];
  rejected: TunnelRejection[];
  /** When a visitor last came through a tunnel (ISO time, to ACTIVITY_RESOLUTION_MS): a machine's idle stop reads it. */
  lastActivityAt?: string;
}

/** A visitor updates the state's activity time at most this often, so a busy tunnel costs no state writes. */
export const ACTIVITY_RESOLUTION_MS = 30_000;

export interface TunnelServerAddress {
  host: string;
  port: number;
}

export interface TunnelClientOptions {
  server: TunnelServerAddress;
  /** The SSH username: the server namespaces tunnels by it. */
  envId: string;
  /** The agent's private key (OpenSSH or PKCS8 PEM). Never logged. */
  privateKey: Buffer;
  /**
   * Pinned server host key (`ssh-ed25519 AAAA...` or `SHA256:...`): a server showing another key is
   * refused before authentication. An empty or malformed pin throws HOST_KEY_REQUIRED or
   * INVALID_HOST_KEY: the agent never accepts whatever key it is shown.
   */
  hostKey: string;
  logger?: AgentLogger;
  /** Where the environment's code came from, sent with its services for the server's index page. */
  envInfo?: EnvInfo;
  /** Opens the TCP connection to the tunnel server (tests inject their own). */
  connectServer?: (server: TunnelServerAddress) => Socket;
  /** Opens the TCP connection to a service for one visitor connection. */
  connectTarget?: (target: { host: string; port: number }) => Socket;
  random?: () => number;
  backoff?: BackoffOptions;
  /** A connection that lived this long resets the backoff: the next failure retries at once. */
  stableAfterMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
  /** Bound on each forward request, cancel and `hello` round trip. */
  requestTimeoutMs?: number;
  onStateChange?: (state: TunnelClientState) => void;
  now?: () => number;
}

interface Connection {
  conn: Client;
  sock: Socket;
  ready: boolean;
  closed: Promise<void>;
}

const defaultConnect = ({ host, port }: { host: string; port: number }): Socket => netConnect({ host, port });
// Half-open, so the service ending its response does not also cut the visitor's side short.
const defaultConnectTarget = ({ host, port }: { host: string; port: number }): Socket => netConnect({ host, port, allowHalfOpen: true });

const withTimeout = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(ms, undefined, { ref: false, signal: timer.signal }).then(() => {
        throw new Error(`${what} got no answer within ${ms} ms`);
      }),
    ]);
  } finally {
    timer.abort(); // the race is settled: drop the timer (its rejection is already handled by race)
  }
};

/**
 * Holds the SSH connection to the tunnel server and one reverse forward per desired tunnel.
 * Reconnects after any failure with exponential backoff and full jitter, and re-requests every
 * forward on each new connection; visitor connections are piped to the service's target.
 */
export class TunnelClient implements AsyncDisposable {
  readonly #o: Required<Omit<TunnelClientOptions, 'hostKey' | 'onStateChange' | 'logger' | 'envInfo'>>;
  readonly #envInfo: EnvInfo;
  readonly #log: AgentLogger;
  readonly #onStateChange: ((state: TunnelClientState) => void) | undefined;
  readonly #hostVerifier: (key: Buffer) => boolean;
  readonly #abort = new AbortController();

  #status: TunnelClientStatus = 'connecting';
  #lastError: string | undefined;
  #lastActivityAt: number | undefined;
  /** Desired tunnels by request string: the key incoming connections carry as their destination. */
  #desired = new Map<string, DesiredTunnel>();
  /** Forwards the server granted on the current connection. */
  readonly #active = new Set<string>();
  /** Forwards the server refused on the current connection, with what we know of why. */
  readonly #refused = new Map<string, string>();
  #hello: HelloReply | undefined;
  #current: Connection | undefined;
  #loop: Promise<void> | undefined;
  #syncing: Promise<void> | undefined;
  #syncAgain = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAttempt = 0;
  #hostKeyMismatch = false;
  #deployedAt: string | undefined;
  /** The metadata command last accepted, and on which connection: a new connection is told again. */
  #sentMetadata: { conn: Client; command: string } | undefined;

  constructor(options: TunnelClientOptions) {
    this.#o = {
      server: options.server,
      envId: options.envId,
      privateKey: options.privateKey,
      connectServer: options.connectServer ?? defaultConnect,
      connectTarget: options.connectTarget ?? defaultConnectTarget,
      random: options.random ?? Math.random,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      stableAfterMs: options.stableAfterMs ?? 10_000,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 3,
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      now: options.now ?? Date.now,
    };
    this.#log = options.logger ?? silentLogger;
    this.#envInfo = options.envInfo ?? {};
    this.#onStateChange = options.onStateChange;
    // Throws on a missing or malformed pin: an agent must never accept whatever key it is shown.
    const check = hostKeyCheck(options.hostKey);
    this.#hostVerifier = (key) => {
      this.#hostKeyMismatch = !check(key);
      return !this.#hostKeyMismatch;
    };
  }

  /** Connects in the background, and keeps reconnecting until `stop()`. */
  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run();
  }

  /**
   * Makes the forwards match `desired`: cancels the unwanted ones first (so a tunnel can move
   * between public and private under the same name), then requests the new ones. Resolves once
   * applied on the current connection; without one, they are requested when it comes up.
   */
  async reconcile(desired: readonly DesiredTunnel[], { deployedAt }: { deployedAt?: string } = {}): Promise<void> {
    this.#desired = new Map(desired.map((t) => [t.requestString, t]));
    if (deployedAt !== undefined) this.#deployedAt = deployedAt;
    this.#emitState();
    await this.#sync();
  }

  state(): TunnelClientState {
    const hello = this.#hello;
    const tunnels = [...this.#desired.entries()].map(([key, t]): TunnelStatus => {
      const active = this.#active.has(key);
      const url = active ? hello?.tunnels.find((h) => h.name === t.name)?.url : undefined;
      const reason = this.#refused.has(key) ? (hello?.rejected.find((r) => r.name === t.name)?.reason ?? this.#refused.get(key)) : undefined;
      return {
        service: t.service,
        port: t.port,
        access: t.access,
        name: t.name,
        state: active ? 'active' : this.#refused.has(key) ? 'rejected' : 'pending',
        ...(url === undefined ? {} : { url }),
        ...(reason === undefined ? {} : { reason }),
      };
    });
    return {
      status: this.#status,
      envId: this.#o.envId,
      ...(hello ? { clientId: hello.clientId, baseUrl: hello.baseUrl } : {}),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      tunnels,
      rejected: tunnels.flatMap((t) => (t.state === 'rejected' ? [{ name: t.name, reason: t.reason ?? 'refused by the tunnel server' }] : [])),
      ...(this.#lastActivityAt === undefined ? {} : { lastActivityAt: new Date(this.#lastActivityAt).toISOString() }),
    };
  }

  /** Cancels the forwards, closes the connection and stops reconnecting; bounded by `timeoutMs`. */
  async stop(timeoutMs = 4_000): Promise<void> {
    if (this.#status === 'stopped' && this.#abort.signal.aborted) return;
    this.#abort.abort();
    clearTimeout(this.#retryTimer);
    const current = this.#current;
    if (current?.ready) {
      const cancels = [...this.#active].map((key) => this.#request(current.conn, 'unforwardIn', key));
      await withTimeout(Promise.allSettled(cancels), Math.max(100, timeoutMs / 2), 'cancelling forwards').catch(() => undefined);
    }
    if (current) {
      current.conn.end();
      await withTimeout(current.closed, Math.max(100, timeoutMs / 2), 'closing the SSH connection').catch(() => current.sock.destroy());
    }
    await this.#loop;
    this.#setStatus('stopped');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let attempt = 0;
    while (!signal.aborted) {
      const connectedAt = await this.#connectOnce();
      if (signal.aborted) break;
      if (connectedAt !== undefined && this.#o.now() - connectedAt >= this.#o.stableAfterMs) attempt = 0;
      this.#setStatus('reconnecting');
      const delayMs = backoffDelay(attempt, this.#o.backoff, this.#o.random);
      this.#log.info({ delayMs, attempt, lastError: this.#lastError }, 'reconnecting to the tunnel server');
      attempt += 1;
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        break; // stopped
      }
    }
  }

  /** One connection, from dial to close. Resolves with when it became ready (if it did). */
  #connectOnce(): Promise<number | undefined> {
    return new Promise((resolve) => {
      const { server, envId } = this.#o;
      const sock = this.#o.connectServer(server);
      // Nagle would hold back small SSH packets (~40 ms per request through the tunnel); corking
      // per tick sends ssh2's small packets of one tick in one writev instead.
      sock.setNoDelay(true);
      corkPerTick(sock);
      const conn = new Client();
      let connectedAt: number | undefined;
      let markClosed: () => void = () => undefined;
      const current: Connection = { conn, sock, ready: false, closed: new Promise((r) => (markClosed = r)) };
      this.#current = current;

      conn.on('ready', () => {
        connectedAt = this.#o.now();
        current.ready = true;
        this.#active.clear();
        this.#refused.clear();
        this.#retryAttempt = 0;
        this.#lastError = undefined;
        this.#log.info({ server, envId }, 'connected to the tunnel server');
        this.#setStatus('connected');
        void this.#sync();
      });
      conn.on('tcp connection', (info, accept, reject) => this.#onVisitor(info, accept, reject));
      conn.on('error', (err: Error & { level?: string }) => {
        if (err.level === 'client-authentication') {
          this.#lastError = `the tunnel server refused the agent's key for env "${envId}" (authentication failed)`;
          this.#log.error({ server, envId }, `${this.#lastError}; check that the key is the profile's tunnel key; retrying`);
        } else if (this.#hostKeyMismatch) {
          this.#lastError = "the tunnel server's host key does not match PREEVY_TUNNEL_HOST_KEY";
          this.#log.error({ server }, `${this.#lastError}; refusing to connect; retrying`);
        } else {
          this.#lastError = describeError(err);
          this.#log.warn({ server, err: this.#lastError, sshLevel: err.level }, 'tunnel connection failed');
        }
        // Every client-level ssh2 error ends the connection: make sure 'close' follows promptly.
        sock.destroy();
      });
      conn.on('close', () => {
        if (this.#current === current) this.#current = undefined;
        this.#active.clear();
        markClosed();
        sock.destroy();
        if (connectedAt !== undefined && !this.#abort.signal.aborted) {
          this.#lastError ??= 'the tunnel server closed the connection';
          this.#log.warn({ server, lastError: this.#lastError }, 'tunnel connection closed');
        }
        resolve(connectedAt);
      });

      try {
        this.#hostKeyMismatch = false;
        conn.connect({
          sock,
          username: envId,
          privateKey: this.#o.privateKey,
          keepaliveInterval: this.#o.keepaliveIntervalMs,
          keepaliveCountMax: this.#o.keepaliveCountMax,
          readyTimeout: this.#o.readyTimeoutMs,
          hostVerifier: this.#hostVerifier,
        });
      } catch (err) {
        // A key ssh2 cannot parse: retrying will not help, but the agent keeps its state endpoint up.
        this.#lastError = `cannot use the agent key: ${describeError(err)}`;
        this.#log.error({ err: this.#lastError }, 'tunnel connection not attempted');
        markClosed();
        sock.destroy();
        resolve(undefined);
      }
    });
  }

  #onVisitor(info: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void): void {
    // Not checked against #active: the server may open a channel in the same packet batch as its
    // reply to our forward request, before our callback ran. ssh2 already drops channels for
    // forwards never granted; what we no longer want is absent from #desired.
    const tunnel = info.destPort === FORWARD_BIND_PORT ? this.#desired.get(info.destIP) : undefined;
    if (!tunnel) {
      reject();
      return;
    }
    this.#markActivity();
    const upstream = this.#o.connectTarget(tunnel.target);
    upstream.setNoDelay(true);
    // Accept only once the service answers, so the server can tell the visitor it is down (502)
    // instead of a connection that opens and dies.
    const onConnectError = (err: Error) => {
      this.#log.warn({ service: tunnel.service, port: tunnel.port, err: describeError(err) }, 'service unreachable for a visitor connection');
      reject();
    };
    upstream.once('error', onConnectError);
    upstream.once('connect', () => {
      upstream.off('error', onConnectError);
      let channel: ClientChannel;
      try {
        channel = accept();
      } catch (err) {
        this.#log.debug({ err: describeError(err) }, 'visitor connection gone before accept');
        upstream.destroy();
        return;
      }
      // One pipe per direction, each with backpressure: a side that finishes sending only
      // half-closes (EOF), so the other direction can still complete (an HTTP response after the
      // visitor's EOF, or a protocol where the service ends first). Both done, or any error or
      // early close: release both ends, so one broken visitor connection affects nothing else.
      // (`stream.pipeline` did the same at about twice the CPU per connection: an AbortSignal and
      // a premature-close error with its stack for every visitor connection.)
      let finished = 0;
      let released = false;
      const release = (err?: Error): void => {
        if (released) return;
        released = true;
        if (err) this.#log.debug({ service: tunnel.service, port: tunnel.port, err: describeError(err) }, 'visitor connection ended with an error');
        upstream.destroy();
        channel.close();
      };
      const onFinish = (): void => {
        finished += 1;
        if (finished === 2) release();
      };
      // The service's socket closing normally is not a reason: response bytes may still be queued
      // in the channel (its window), and its 'finish' comes when they are out.
      upstream.once('finish', onFinish).once('error', release).once('close', (hadError: boolean) => hadError && release());
      // The server closed the channel (the visitor left): nothing more can be sent either way.
      channel.once('finish', onFinish).once('error', release).once('close', () => release());
      channel.pipe(upstream);
      upstream.pipe(channel);
    });
  }

  /** Serialised: one sync at a time, and a request during one runs one more afterwards. */
  #sync(): Promise<void> {
    if (this.#syncing) {
      this.#syncAgain = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      do {
        this.#syncAgain = false;
        await this.#syncOnce();
      } while (this.#syncAgain && !this.#abort.signal.aborted);
    })().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #syncOnce(): Promise<void> {
    const current = this.#current;
    if (!current?.ready || this.#abort.signal.aborted) return;
    const { conn } = current;
    const stale = () => this.#current !== current || this.#abort.signal.aborted;

    const unwanted = [...this.#active].filter((key) => !this.#desired.has(key));
    await Promise.all(
      unwanted.map(async (key) => {
        try {
          await this.#request(conn, 'unforwardIn', key);
        } catch (err) {
          this.#log.warn({ request: key, err: describeError(err) }, 'cancelling a forward failed');
        }
        this.#active.delete(key);
      }),
    );
    for (const key of this.#refused.keys()) if (!this.#desired.has(key)) this.#refused.delete(key);
    if (stale()) return;

    const wanted = [...this.#desired.keys()].filter((key) => !this.#active.has(key));
    // Global requests are answered in order, so they can all be in flight at once.
    await Promise.all(
      wanted.map(async (key) => {
        try {
          await this.#request(conn, 'forwardIn', key);
          if (this.#current !== current) return;
          this.#active.add(key);
          this.#refused.delete(key);
          // The desired list may have changed while waiting: a forward no longer wanted goes at the next pass.
          if (!this.#desired.has(key)) this.#syncAgain = true;
        } catch (err) {
          if (this.#current !== current) return;
          this.#refused.set(key, describeError(err));
        }
      }),
    );
    if (stale()) return;

    await this.#sendMetadata(conn);
    if (stale()) return;

    try {
      this.#hello = await this.#helloOn(conn);
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, 'hello to the tunnel server failed');
    }
    if (stale()) return;
    this.#logRefusals();
    this.#scheduleRetry();
    this.#emitState();
  }

  #logRefusals(): void {
    for (const t of this.state().tunnels) {
      if (t.state === 'active') this.#log.info({ service: t.service, port: t.port, access: t.access, url: t.url }, 'tunnel active');
      if (t.state === 'rejected') this.#log.error({ service: t.service, port: t.port, reason: t.reason }, 'the tunnel server refused a tunnel');
    }
  }

  /**
   * Refused forwards are asked again with backoff: a common cause is the server still holding
   * the name for our previous, dead connection until its keepalive reaps it.
   */
  #scheduleRetry(): void {
    clearTimeout(this.#retryTimer);
    if (this.#refused.size === 0) {
      this.#retryAttempt = 0;
      return;
    }
    const delayMs = 500 + backoffDelay(this.#retryAttempt, { baseMs: 1_000, capMs: 30_000 }, this.#o.random);
    this.#retryAttempt += 1;
    this.#retryTimer = setTimeout(() => void this.#sync(), delayMs);
    this.#retryTimer.unref();
  }

  #request(conn: Client, method: 'forwardIn' | 'unforwardIn', bindAddr: string): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      try {
        conn[method](bindAddr, FORWARD_BIND_PORT, (err?: Error | null) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    return withTimeout(done, this.#o.requestTimeoutMs, method);
  }

  /** The metadata for the server's index page: what `up` said, the deploy time, the desired services. */
  #metadataCommand(): string {
    const services = [...this.#desired.values()]
      .slice(0, MAX_METADATA_SERVICES)
      .map(({ service, port, access, name }) => ({ service, port, access, name }));
    const metadata: EnvMetadata = { ...this.#envInfo, ...(this.#deployedAt ? { deployedAt: this.#deployedAt } : {}), services };
    const command = formatMetadataCommand(metadata);
    // Only very long service names get here; the page still shows the tunnels the server holds.
    return Buffer.byteLength(command) <= MAX_METADATA_COMMAND_BYTES ? command : formatMetadataCommand({ ...metadata, services: [] });
  }

  /** Tells the server what changed since the last accepted metadata; a failure only costs the index page its details. */
  async #sendMetadata(conn: Client): Promise<void> {
    const command = this.#metadataCommand();
    if (this.#sentMetadata?.conn === conn && this.#sentMetadata.command === command) return;
    try {
      await withTimeout(this.#execOn(conn, command), this.#o.requestTimeoutMs, 'metadata');
      this.#sentMetadata = { conn, command };
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, 'sending the environment metadata to the tunnel server failed');
    }
  }

  #helloOn(conn: Client): Promise<HelloReply> {
    return withTimeout(this.#execOn(conn, EXEC_HELLO).then(parseHelloReply), this.#o.requestTimeoutMs, 'hello');
  }

  /** Runs one exec on the server; resolves its stdout, rejects on a non-zero exit with its stderr. */
  #execOn(conn: Client, command: string): Promise<string> {
    const name = command.split(' ', 1)[0];
    return new Promise<string>((resolve, reject) => {
      try {
        conn.exec(command, (err, stream) => {
          if (err) {
            reject(err);
            return;
          }
          const out: Buffer[] = [];
          const errOut: Buffer[] = [];
          let exitCode: number | undefined;
          stream.on('data', (c: Buffer) => out.push(c));
          stream.stderr.on('data', (c: Buffer) => errOut.push(c));
          stream.on('exit', (code: number | null) => {
            exitCode = code ?? undefined;
          });
          stream.on('error', reject);
          stream.on('close', () => {
            if (exitCode !== undefined && exitCode !== 0) {
              reject(new Error(`${name} exited ${exitCode}: ${Buffer.concat(errOut).toString('utf8').trim()}`));
              return;
            }
            resolve(Buffer.concat(out).toString('utf8'));
          });
        });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  #setStatus(status: TunnelClientStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#emitState();
  }

  #markActivity(): void {
    const now = Date.now();
    const previous = this.#lastActivityAt;
    if (previous !== undefined && now - previous < ACTIVITY_RESOLUTION_MS) return;
    this.#lastActivityAt = now;
    this.#emitState();
  }

  #emitState(): void {
    try {
      this.#onStateChange?.(this.state());
    } catch (err) {
      this.#log.error({ err: describeError(err) }, 'state listener failed');
    }
  }
}
