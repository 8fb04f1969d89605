// A REAL ssh2 server standing in for @preevy/tunnel-server in the agent's integration tests:
// public-key auth, tcpip-forward and its cancel, `hello`, and a forwardOut per visitor connection,
// like the real server. Test support only: excluded from the package build.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { authorizedKeyLine, keyFingerprint, PROTOCOL_VERSION, requestedTunnelName, sshBlobFromEd25519Key, type HelloReply } from '@preevy/tunnel-protocol';
import { Server as SshServer, utils, type Connection } from 'ssh2';
import { loadAgentKey } from '../agent-key.js';

/** A fresh Ed25519 key pair: the OpenSSH private key ssh2 takes, and the public SSH blob. */
export const generateSshKey = (): { privateKey: Buffer; pkcs8: string; publicBlob: Buffer; publicKey: KeyObject } => {
  // Not ssh2's generateKeyPairSync: it drops a leading zero byte of Ed25519 keys now and then,
  // producing keys it cannot parse back.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privateKey: loadAgentKey(pkcs8, 'test key'), pkcs8, publicBlob: sshBlobFromEd25519Key(publicKey), publicKey };
};

export interface FakeServer {
  port: number;
  hostKeyLine: string;
  hostKeyFingerprint: string;
  /** Current forwards by connection. */
  forwards: Map<Connection, Set<string>>;
  sockets: Set<Socket>;
  refuseNames: Set<string>;
  acceptKeys: boolean;
  /** Every `metadata` document received, in order. */
  metadata: unknown[];
  close(): Promise<void>;
}

export const startFakeServer = async (agentPublicBlob: Buffer): Promise<FakeServer> => {
  const hostKey = generateSshKey();
  const host = { private: hostKey.privateKey, public: authorizedKeyLine(hostKey.publicKey) };
  const hostBlob = hostKey.publicBlob;
  const forwards = new Map<Connection, Set<string>>();
  const sockets = new Set<Socket>();
  const state = { refuseNames: new Set<string>(), acceptKeys: true };
  const metadata: unknown[] = [];

  const ssh = new SshServer({ hostKeys: [host.private] }, (client) => {
    let user = '';
    client.on('authentication', (ctx) => {
      user = ctx.username;
      if (ctx.method !== 'publickey' || !state.acceptKeys || !ctx.key.data.equals(agentPublicBlob)) {
        ctx.reject(['publickey']);
        return;
      }
      if (!ctx.signature) {
        ctx.accept(); // the key query: the client then signs
        return;
      }
      const pub = utils.parseKey(ctx.key.data);
      if (!(pub instanceof Error) && !Array.isArray(pub) && ctx.blob && pub.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) ctx.accept();
      else ctx.reject();
    });
    client.on('ready', () => {
      const mine = new Set<string>();
      forwards.set(client, mine);
      client.on('request', (accept, reject, name, info) => {
        const bindAddr = (info as { bindAddr?: string }).bindAddr ?? '';
        if (name === 'tcpip-forward' && !state.refuseNames.has(requestedTunnelName(bindAddr))) {
          mine.add(bindAddr);
          accept?.();
        } else if (name === 'cancel-tcpip-forward') {
          mine.delete(bindAddr);
          accept?.();
        } else reject?.();
      });
      client.on('session', (acceptSession) => {
        acceptSession().on('exec', (accept, reject, info) => {
          if (info.command.startsWith('metadata ')) {
            metadata.push(JSON.parse(info.command.slice('metadata '.length)));
            const stream = accept();
            stream.write('{"ok":true,"problems":[]}\n');
            stream.exit(0);
            stream.end();
            return;
          }
          if (info.command !== 'hello') {
            reject();
            return;
          }
          const names = [...mine].map(requestedTunnelName);
          const reply: HelloReply = {
            protocolVersion: PROTOCOL_VERSION,
            clientId: 'testclient01',
            envId: user,
            baseUrl: 'http://localhost.test',
            tunnels: names.map((name) => ({ name, label: `${name}-${user}`, url: `http://${name}-${user}-testclient01.localhost.test`, access: 'public' })),
            rejected: [...state.refuseNames].map((name) => ({ name, reason: `${name} is taken` })),
          };
          const stream = accept();
          stream.write(JSON.stringify(reply));
          stream.exit(0);
          stream.end();
        });
      });
    });
    client.on('close', () => forwards.delete(client));
    client.on('error', () => undefined);
  });

  // Accept TCP ourselves so the test can cut connections abruptly, as a network failure would.
  const tcp: NetServer = createNetServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    ssh.injectSocket(sock);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return {
    port: (tcp.address() as AddressInfo).port,
    hostKeyLine: host.public,
    hostKeyFingerprint: keyFingerprint(hostBlob),
    forwards,
    sockets,
    metadata,
    get refuseNames() {
      return state.refuseNames;
    },
    get acceptKeys() {
      return state.acceptKeys;
    },
    set acceptKeys(v: boolean) {
      state.acceptKeys = v;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
};

/** Sends one HTTP request through the server's side of a forward, as the real server does for a visitor; the raw response bytes. */
export const rawRequestThroughTunnel = (client: Connection, bindAddr: string, path: string): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    client.forwardOut(bindAddr, 80, '203.0.113.7', 40000, (err, channel) => {
      if (err) {
        reject(err);
        return;
      }
      const chunks: Buffer[] = [];
      channel.on('data', (c: Buffer) => chunks.push(c));
      // The agent's EOF ends the response; then close, as the real server does when the visitor leaves.
      channel.on('end', () => {
        resolve(Buffer.concat(chunks));
        channel.close();
      });
      channel.on('error', reject);
      // write, not end: ssh2's server-side end() closes the whole channel, not just our half.
      channel.write(`GET ${path} HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n`);
    });
  });

/** The same, as text. */
export const requestThroughTunnel = async (client: Connection, bindAddr: string, path: string): Promise<string> =>
  (await rawRequestThroughTunnel(client, bindAddr, path)).toString('utf8');

/** Polls `probe` until it returns a value (not undefined/false), failing after the deadline. */
export const waitFor = async <T>(what: string, probe: () => T | Promise<T>, deadlineMs = 10_000): Promise<Exclude<T, undefined | false>> => {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v as Exclude<T, undefined | false>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
