import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, ServerChannel } from 'ssh2';
import { describeError } from '../errors.js';
import type { AgentLogger } from '../logger.js';

// ssh2's server cannot open an `auth-agent@openssh.com` channel through its public API, though
// its protocol layer can write one and its channel table confirms any type. These are the few
// internals used; ssh2 is pinned to 1.x, and the agent-forwarding test breaks if they move.
interface ConnectionInternals {
  _chanMgr: { add(cb: ((err: Error | undefined, channel: ServerChannel) => void) & { type?: string }): number };
  _protocol: { openssh_authAgent(localChan: number, initWindow: number, maxPacket: number): void };
}
const CHANNEL_WINDOW = 2 * 1024 * 1024;
const CHANNEL_PACKET = 32 * 1024;

/** Asks the client to open an agent channel back to its ssh-agent. */
export const openAgentChannel = (conn: Connection): Promise<ServerChannel> =>
  new Promise((resolve, reject) => {
    const internals = conn as unknown as ConnectionInternals;
    const callback = Object.assign((err: Error | undefined, channel: ServerChannel) => (err ? reject(err) : resolve(channel)), { type: 'auth-agent@openssh.com' });
    const localChan = internals._chanMgr.add(callback);
    if (localChan === -1) {
      reject(new Error('no free SSH channels'));
      return;
    }
    internals._protocol.openssh_authAgent(localChan, CHANNEL_WINDOW, CHANNEL_PACKET);
  });

/**
 * The container side of agent forwarding: a unix socket in a private (0700) temp dir; each
 * connection to it becomes an agent channel to the client. One per SSH connection, made on the
 * first session that asks.
 */
export class AgentForwarding {
  readonly #conn: Connection;
  readonly #log: AgentLogger;
  readonly #onData: () => void;
  #listening: Promise<{ dir: string; socketPath: string; server: Server }> | undefined;

  constructor(conn: Connection, { log, onData }: { log: AgentLogger; onData: () => void }) {
    this.#conn = conn;
    this.#log = log;
    this.#onData = onData;
  }

  /** The socket path for SSH_AUTH_SOCK, listening once this resolves. */
  async socketPath(): Promise<string> {
    this.#listening ??= this.#listen();
    return (await this.#listening).socketPath;
  }

  async #listen() {
    const dir = await mkdtemp(join(tmpdir(), 'preevy-ssh-agent-')); // mkdtemp makes it 0700
    const socketPath = join(dir, 'agent.sock');
    const server = createServer((socket) => this.#relay(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return { dir, socketPath, server };
  }

  #relay(socket: Socket): void {
    openAgentChannel(this.#conn).then(
      (channel) => {
        this.#onData();
        channel.pipe(socket).on('error', () => undefined);
        socket.pipe(channel);
        socket.on('error', () => channel.destroy());
        socket.on('close', () => channel.destroy());
        channel.on('close', () => socket.destroy());
      },
      (err: unknown) => {
        this.#log.debug({ err: describeError(err) }, 'the client refused an agent channel');
        socket.destroy();
      },
    );
  }

  async close(): Promise<void> {
    const listening = await this.#listening?.catch(() => undefined);
    if (!listening) return;
    listening.server.close();
    await rm(listening.dir, { recursive: true, force: true });
  }
}
