// Integration of the tunnel client against a REAL ssh2 server (testing/fake-tunnel-server.ts),
// standing in for @preevy/tunnel-server until end-to-end tests against it exist.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { authorizedKeyLine } from '@preevy/tunnel-protocol';
import type { ServerChannel } from 'ssh2';

// forwardOut on the server side yields a ServerChannel.
type ClientChannelLike = ServerChannel;
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredTunnel } from './discovery.js';
import { generateSshKey, rawRequestThroughTunnel, requestThroughTunnel, startFakeServer, waitFor, type FakeServer } from './testing/fake-tunnel-server.js';
import { TunnelClient, type TunnelClientState } from './tunnel-client.js';

const BIG_BODY = randomBytes(8 * 1024 * 1024);
function* chunksOf(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe('TunnelClient against a real ssh2 server', () => {
  const { privateKey: agentKey, publicBlob: agentBlob } = generateSshKey();

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
      hostKey: server.hostKeyLine,
      backoff: { baseMs: 50, capMs: 400 },
      ...opts,
    });
    clients.push(c);
    return c;
  };

  const serverForwards = () => [...server.forwards.values()].flatMap((s) => [...s]).sort();
  const serverConn = () => [...server.forwards.keys()][0];

  beforeAll(async () => {
    origin = createHttpServer((req, res) => {
      if (req.url !== '/big') {
        res.end(`origin saw ${req.url ?? ''}`);
        return;
      }
      // Streamed with backpressure: 8 MiB is four times the SSH channel window.
      res.writeHead(200, { 'content-length': String(BIG_BODY.length) });
      Readable.from(chunksOf(BIG_BODY, 64 * 1024)).pipe(res);
    });
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
    expect(client.state().lastActivityAt).toBeUndefined(); // no visitor yet
    const before = Date.now();
    const response = await requestThroughTunnel(conn, tunnel('web').requestString, '/hello?x=1');
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain('origin saw /hello?x=1');
    // A visitor is activity: a machine's idle stop reads this time from the agent's state.
    expect(Date.parse(client.state().lastActivityAt ?? '')).toBeGreaterThanOrEqual(before - 1);
  });

  it('should send its metadata with the desired services once per change and again on a new connection', async () => {
    server = await startFakeServer(agentBlob);
    const client = newClient({ envInfo: { branch: 'feat', pullRequest: 42 } });
    client.start();
    await client.reconcile([tunnel('web')], { deployedAt: '2024-05-01T10:00:00.000Z' });
    await waitFor('metadata', () => server.metadata.length === 1);
    expect(server.metadata[0]).toEqual({
      branch: 'feat',
      pullRequest: 42,
      deployedAt: '2024-05-01T10:00:00.000Z',
      services: [{ service: 'web', port: 80, access: 'public', name: 'web-80' }],
    });
    await client.reconcile([tunnel('web')]);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.metadata).toHaveLength(1); // nothing changed: not sent again
    await client.reconcile([tunnel('web'), tunnel('api', 'private')]);
    await waitFor('changed metadata', () => server.metadata.length === 2);
    expect(server.metadata[1]).toMatchObject({ deployedAt: '2024-05-01T10:00:00.000Z', services: [{ name: 'web-80' }, { name: 'api-80', access: 'private' }] });
    for (const s of server.sockets) s.destroy();
    await waitFor('metadata on the new connection', () => server.metadata.length === 3);
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

  it('should refuse to be created without a pinned host key, before any connection', async () => {
    server = await startFakeServer(agentBlob);
    for (const hostKey of [undefined, '', ' ']) {
      expect(() => newClient({ hostKey: hostKey as unknown as string })).toThrow(expect.objectContaining({ code: 'HOST_KEY_REQUIRED' }));
    }
    expect(server.sockets.size).toBe(0);
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
  it('should stream a body larger than the SSH window intact', async () => {
    server = await startFakeServer(agentBlob);
    const client = newClient();
    client.start();
    await client.reconcile([tunnel('web')]);
    const conn = await waitFor('forward registered', () => (serverForwards().length === 1 ? serverConn() : undefined));
    const raw = await rawRequestThroughTunnel(conn, tunnel('web').requestString, '/big');
    const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBe(BIG_BODY.length);
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(BIG_BODY).digest('hex'));
  });

  it('should refuse the channel of a visitor when the service is down, and keep serving the others', async () => {
    server = await startFakeServer(agentBlob);
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down: DesiredTunnel = { ...tunnel('down'), target: { host: '127.0.0.1', port: deadPort } };

    const client = newClient();
    client.start();
    await client.reconcile([down, tunnel('web')]);
    const conn = await waitFor('forwards registered', () => (serverForwards().length === 2 ? serverConn() : undefined));
    await expect(requestThroughTunnel(conn, down.requestString, '/')).rejects.toThrow(/open failure/i);
    expect(await requestThroughTunnel(conn, tunnel('web').requestString, '/still-up')).toContain('origin saw /still-up');
    expect(client.state().status).toBe('connected');
  });
  it('should keep carrying the visitor side after the service has finished its own (half-close)', async () => {
    server = await startFakeServer(agentBlob);
    // A service that sends a greeting, ends its side at once, and still reads what comes after.
    let received = '';
    const halfCloser = createNetServer({ allowHalfOpen: true }, (sock) => {
      sock.on('data', (c: Buffer) => (received += c.toString()));
      sock.end('greeting');
    });
    await new Promise<void>((resolve) => halfCloser.listen(0, '127.0.0.1', resolve));
    const target: DesiredTunnel = { ...tunnel('half'), target: { host: '127.0.0.1', port: (halfCloser.address() as AddressInfo).port } };
    try {
      const client = newClient();
      client.start();
      await client.reconcile([target]);
      const conn = await waitFor('forward registered', () => (serverForwards().length === 1 ? serverConn() : undefined));
      const channel = await new Promise<ClientChannelLike>((resolve, reject) =>
        conn.forwardOut(target.requestString, 80, '203.0.113.7', 40002, (err, ch) => (err ? reject(err) : resolve(ch))),
      );
      let greeting = '';
      channel.on('data', (c: Buffer) => (greeting += c.toString()));
      await new Promise((resolve) => channel.once('end', resolve));
      expect(greeting).toBe('greeting');
      channel.write('late data');
      await waitFor('the service to receive data sent after its own end', () => received === 'late data');
      channel.close();
    } finally {
      await new Promise<void>((resolve) => halfCloser.close(() => resolve()));
    }
  });
});
