import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Connection, ServerChannel, TcpipBindInfo, TcpipRequestInfo } from 'ssh2';
import { describeError } from '../errors.js';
import type { AgentLogger } from '../logger.js';

type Accept = () => ServerChannel;

/** Joins a channel and a socket both ways; either end going away ends the other. */
const splice = (channel: ServerChannel, socket: Socket, onData: () => void): void => {
  socket.setNoDelay(true);
  channel.on('data', onData);
  socket.on('data', onData);
  channel.pipe(socket).on('error', () => undefined);
  socket.pipe(channel);
  socket.on('error', () => channel.destroy());
  socket.on('close', () => channel.destroy());
  channel.on('close', () => socket.destroy());
};

/** `ssh -L`: dials the destination from inside the container, and answers the open only once connected. */
export const handleDirectTcpip = (accept: Accept, reject: () => void, info: TcpipRequestInfo, { log, onData }: { log: AgentLogger; onData: () => void }): void => {
  const socket = connect({ host: info.destIP, port: info.destPort });
  const onError = (err: Error) => {
    log.debug({ dest: `${info.destIP}:${info.destPort}`, err: describeError(err) }, 'direct-tcpip dial failed');
    reject();
  };
  socket.once('error', onError);
  socket.once('connect', () => {
    socket.off('error', onError);
    splice(accept(), socket, onData);
  });
};

/**
 * The address a `tcpip-forward` listens on: OpenSSH sends "" or "localhost" for the default,
 * which stays on loopback (sshd's GatewayPorts=no); an explicit address is taken as asked.
 */
export const forwardListenHost = (bindAddr: string): string => (bindAddr === '' || bindAddr === 'localhost' ? '127.0.0.1' : bindAddr === '*' ? '0.0.0.0' : bindAddr);

/** `ssh -R`: listeners inside the container, each accepted connection a `forwarded-tcpip` channel back. */
export class RemoteForwards {
  readonly #listeners = new Map<string, Server>();
  readonly #conn: Connection;
  readonly #log: AgentLogger;
  readonly #onData: () => void;

  constructor(conn: Connection, { log, onData }: { log: AgentLogger; onData: () => void }) {
    this.#conn = conn;
    this.#log = log;
    this.#onData = onData;
  }

  /** Resolves with the bound port, rejects when the address cannot be listened on. */
  async add({ bindAddr, bindPort }: TcpipBindInfo): Promise<number> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: forwardListenHost(bindAddr), port: bindPort }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : bindPort;
    // The client matches forwarded channels by the address it asked for and the port it was given.
    this.#listeners.set(`${bindAddr}:${port}`, server);
    if (bindPort !== 0) this.#listeners.set(`${bindAddr}:${bindPort}`, server);
    server.on('connection', (socket) => {
      this.#conn.forwardOut(bindAddr, port, socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0, (err, channel) => {
        if (err) {
          this.#log.debug({ bind: `${bindAddr}:${port}`, err: describeError(err) }, 'the client refused a forwarded connection');
          socket.destroy();
          return;
        }
        this.#onData();
        splice(channel, socket, this.#onData);
      });
    });
    return port;
  }

  /** Stops one listener (connections already forwarded go on); false when there was none. */
  cancel({ bindAddr, bindPort }: TcpipBindInfo): boolean {
    const server = this.#listeners.get(`${bindAddr}:${bindPort}`);
    if (!server) return false;
    for (const [key, s] of this.#listeners) if (s === server) this.#listeners.delete(key);
    server.close();
    return true;
  }

  closeAll(): void {
    for (const server of new Set(this.#listeners.values())) server.close();
    this.#listeners.clear();
  }
}
