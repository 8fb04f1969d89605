// Integration of the tunnel client against a REAL ssh2 server written here, standing in for
// @preevy/tunnel-server until end-to-end tests against it exist: public-key auth, tcpip-forward,
// `hello`, and a forwardOut per visitor connection, like the real server does.
import { generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { authorizedKeyLine, keyFingerprint, PROTOCOL_VERSION, sshBlobFromEd25519Key, type HelloReply } from '@preevy/tunnel-protocol';
import { Server as SshServer, utils, type Connection } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentKey } from './agent-key.js';
import type { DesiredTunnel } from './discovery.js';
import { TunnelClient, type TunnelClientState } from './tunnel-client.js';

interface FakeServer {
  port: number;
  hostKeyLine: string;
  hostKeyFingerprint: string;
  /** Current forwards by connection. */
  forwards: Map<Connection, Set<string>>;
  sockets: Set<Socket>;
  refuseNames: Set<string>;
  acceptKeys: boolean;
  close(): Promise<void>;
}

const startFakeServer = async (agentPublicBlob: Buffer): Promise<FakeServer> => {
  // Not ssh2's generateKeyPairSync: it drops a leading zero byte of Ed25519 keys now and then,
  // producing keys it cannot parse back.
  const hostKey = generateKeyPairSync('ed25519');
  const host = {
    private: loadAgentKey(hostKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'host key'),
    public: authorizedKeyLine(hostKey.publicKey),
  };
  const hostBlob = sshBlobFromEd25519Key(hostKey.publicKey);
  const forwards = new Map<Connection, Set<string>>();
  const sockets = new Set<Socket>();
  const state = { refuseNames: new Set<string>(), acceptKeys: true };

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
        if (name === 'tcpip-forward' && !state.refuseNames.has(bindAddr.split(';')[0] ?? '')) {
          mine.add(bindAddr);
          accept?.();
        } else if (name === 'cancel-tcpip-forward') {
          mine.delete(bindAddr);
          accept?.();
        } else reject?.();
      });
      client.on('session', (acceptSession) => {
        acceptSession().on('exec', (accept, reject, info) => {
          if (info.command !== 'hello') {
            reject();
            return;
          }
          const names = [...mine].map((r) => r.split(';')[0] ?? '');
          const reply: HelloReply & { rejected: { name: string; reason: string }[] } = {
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

/** Sends one HTTP request through the server's side of a forward, as the real server does for a visitor. */
const requestThroughTunnel = (client: Connection, bindAddr: string, path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    client.forwardOut(bindAddr, 80, '203.0.113.7', 40000, (err, channel) => {
      if (err) {
        reject(err);
        return;
      }
      const chunks: Buffer[] = [];
      channel.on('data', (c: Buffer) => chunks.push(c));
      channel.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      channel.on('error', reject);
      // write, not end: ssh2's server-side end() closes the whole channel, not just our half.
      channel.write(`GET ${path} HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n`);
    });
  });

const waitFor = async <T>(what: string, probe: () => T | undefined, deadlineMs = 10_000): Promise<T> => {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('TunnelClient against a real ssh2 server', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const agentKey = loadAgentKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'test key');
  const agentBlob = (() => {
    const k = utils.parseKey(agentKey);
    if (k instanceof Error || Array.isArray(k)) throw new Error('bad test key');
    return k.getPublicSSH();
  })();

  let server: FakeServer;
  let origin: HttpServer;
  let originPort = 0;
  const clients: TunnelClient[] = [];

  const tunnel = (service: string, access: 'public' | 'private' = 'public'): DesiredTunnel => ({
    service,
    port: 80,
    access,
    name: `${service}-80`,
    target: { host: '127.0.0.1', port: originPort },
    requestString: `${service}-80;access=${access};service=${service};port=80`,
  });

  const newClient = (opts: Partial<ConstructorParameters<typeof TunnelClient>[0]> = {}) => {
    const c = new TunnelClient({
      server: { host: '127.0.0.1', port: server.port },
      envId: 'pr-42',
      privateKey: agentKey,
      backoff: { baseMs: 50, capMs: 400 },
      ...opts,
    });
    clients.push(c);
    return c;
  };

  const serverForwards = () => [...server.forwards.values()].flatMap((s) => [...s]).sort();
  const serverConn = () => [...server.forwards.keys()][0];

  beforeAll(async () => {
    origin = createHttpServer((req, res) => res.end(`origin saw ${req.url ?? ''}`));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originPort = (origin.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await server.close();
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  });

  it('should register forwards, learn their URLs from hello and carry a request to the origin and back', async () => {
    server = await startFakeServer(agentBlob);
    const client = newClient({ hostKey: server.hostKeyLine });
    client.start();
    await client.reconcile([tunnel('web'), tunnel('api', 'private')]);
    await waitFor('two tunnels with URLs', () => client.state().tunnels.filter((t) => t.state === 'active' && t.url).length === 2);

    expect(serverForwards()).toEqual([tunnel('api', 'private').requestString, tunnel('web').requestString]);
    const state = client.state();
    expect(state).toMatchObject({ status: 'connected', envId: 'pr-42', clientId: 'testclient01', rejected: [] });
    expect(state.tunnels.find((t) => t.service === 'web')?.url).toBe('http://web-80-pr-42-testclient01.localhost.test');

    const conn = await waitFor('server connection', serverConn);
    const response = await requestThroughTunnel(conn, tunnel('web').requestString, '/hello?x=1');
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain('origin saw /hello?x=1');
  });

  it('should cancel forwards no longer wanted and request new ones, including an access change', async () => {
    server = await startFakeServer(agentBlob);
    const client = newClient();
    client.start();
    await client.reconcile([tunnel('web'), tunnel('api')]);
    await waitFor('two forwards', () => serverForwards().length === 2);

    await client.reconcile([tunnel('web', 'private'), tunnel('docs')]);
    expect(serverForwards()).toEqual([tunnel('docs').requestString, tunnel('web', 'private').requestString]);
    expect(client.state().tunnels.map((t) => `${t.name}:${t.access}:${t.state}`)).toEqual(['web-80:private:active', 'docs-80:public:active']);
  });

  it('should reconnect after the connection is cut and re-register every forward within seconds', async () => {
    server = await startFakeServer(agentBlob);
    const states: TunnelClientState['status'][] = [];
    const client = newClient({ onStateChange: (s) => states.push(s.status) });
    client.start();
    await client.reconcile([tunnel('web'), tunnel('api')]);
    const first = await waitFor('first connection with forwards', () => (serverForwards().length === 2 ? serverConn() : undefined));

    for (const s of server.sockets) s.destroy();
    const second = await waitFor('a new connection with both forwards', () => {
      const conn = serverConn();
      return conn && conn !== first && server.forwards.get(conn)?.size === 2 ? conn : undefined;
    });
    expect(states).toContain('reconnecting');
    await waitFor('connected again', () => client.state().status === 'connected');

    const response = await requestThroughTunnel(second, tunnel('api').requestString, '/after-reconnect');
    expect(response).toContain('origin saw /after-reconnect');
  });

  it('should report a refused forward with the reason from hello and keep the others', async () => {
    server = await startFakeServer(agentBlob);
    server.refuseNames.add('api-80');
    const client = newClient();
    client.start();
    await client.reconcile([tunnel('web'), tunnel('api')]);
    await waitFor('refusal reported with its reason', () => client.state().rejected[0]?.reason === 'api-80 is taken');
    expect(client.state().rejected).toEqual([{ name: 'api-80', reason: 'api-80 is taken' }]);
    expect(client.state().tunnels.find((t) => t.name === 'web-80')?.state).toBe('active');

    // The name frees up (the server reaped a dead connection): the agent asks again by itself.
    server.refuseNames.clear();
    await waitFor('retried forward active', () => client.state().tunnels.every((t) => t.state === 'active'), 15_000);
  });

  it('should keep retrying after an authentication failure, say so clearly, and connect once the key is accepted', async () => {
    server = await startFakeServer(agentBlob);
    server.acceptKeys = false;
    const client = newClient();
    client.start();
    await waitFor('auth failure reported', () => /refused the agent's key/.test(client.state().lastError ?? ''));
    expect(client.state().status).not.toBe('connected');

    server.acceptKeys = true;
    await waitFor('connected after the key is accepted', () => client.state().status === 'connected');
    expect(client.state().lastError).toBeUndefined();
  });

  it('should refuse a server whose host key does not match the pinned fingerprint', async () => {
    server = await startFakeServer(agentBlob);
    const other = authorizedKeyLine(generateKeyPairSync('ed25519').publicKey);
    const client = newClient({ hostKey: other });
    client.start();
    await waitFor('host key mismatch reported', () => /host key does not match/.test(client.state().lastError ?? ''));
    expect(server.forwards.size).toBe(0);

    const pinned = newClient({ hostKey: server.hostKeyFingerprint });
    pinned.start();
    await waitFor('connected with the right fingerprint', () => pinned.state().status === 'connected');
  });

  it('should cancel its forwards and report stopped on stop', async () => {
    server = await startFakeServer(agentBlob);
    const client = newClient();
    client.start();
    await client.reconcile([tunnel('web')]);
    await waitFor('forward registered', () => serverForwards().length === 1);
    await client.stop();
    expect(client.state().status).toBe('stopped');
    await waitFor('server saw the connection close', () => server.forwards.size === 0);
  });
});
