import { connect as netConnect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { envAudience, formatForwardRequest, signShareToken, tunnelLabel } from '@preevy/tunnel-protocol';
import { connectForwardingClient, generateTestKey, type ForwardingClient, type TestKey } from './test-support/forwarding-client.js';
import { requestVia } from './test-support/http-client.js';
import { runOpenSsh } from './test-support/openssh.js';
import { startOrigin, type Origin } from './test-support/origin.js';
import { rawExchange } from './test-support/raw-exchange.js';
import { startTestServer, TEST_BASE_HOST } from './test-support/test-server.js';
import type { RunningTunnelServer } from './tunnel-server.js';

/**
 * What any SSH key or HTTP client can throw at a server that faces the internet. Every case ends
 * by checking that the server still serves a normal request: no error of one connection may end
 * the process or wedge another tenant.
 */

const BASE = TEST_BASE_HOST;
const hostOf = (name: string, envId: string, key: TestKey): string => `${tunnelLabel({ name, envId, clientId: key.clientId })}.${BASE}`;

/** Errors that escaped every handler (they would have ended a real server process). */
const escaped: unknown[] = [];
const onEscape = (err: unknown): void => void escaped.push(err);
beforeEach(() => {
  escaped.length = 0;
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
afterEach(() => {
  process.removeListener('uncaughtException', onEscape);
  process.removeListener('unhandledRejection', onEscape);
  expect(escaped.map(String)).toEqual([]);
});

const wsOpen = (port: number, host: string, { path = '/', headers = {} }: { path?: string; headers?: Record<string, string> } = {}) =>
  new Promise<{ ws?: WebSocket; status?: number; error?: string }>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { Host: host, ...headers } });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => (resolve({ status: res.statusCode ?? 0 }), ws.terminate()));
    ws.once('error', (e) => resolve({ error: e.message }));
  });

const echo = (ws: WebSocket, text: string): Promise<string> =>
  new Promise((resolve, reject) => {
    ws.once('message', (d: Buffer) => resolve(d.toString()));
    ws.once('error', reject);
    ws.send(text);
  });

const connectRaw = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s)).once('error', reject);
  });

describe('tunnel server under hostile input', () => {
  let server: RunningTunnelServer;
  let origin: Origin;
  let agent: ForwardingClient;
  const alice = generateTestKey();
  const eve = generateTestKey();
  const pub = (): string => hostOf('web-80', 'env', alice);
  const priv = (): string => hostOf('admin-80', 'env', alice);
  const token = (opts: { now?: () => number; expiresIn?: number } = {}): string =>
    signShareToken({ privateKey: alice.signingKey, clientId: alice.clientId, audience: envAudience('env'), expiresIn: opts.expiresIn ?? 3600, ...(opts.now ? { now: opts.now } : {}) });

  beforeAll(async () => {
    origin = await startOrigin('still serving');
    server = await startTestServer({ adminPort: 0, limits: { headerTimeoutMs: 1_000, channelOpenTimeoutMs: 1_000, requestTimeoutMs: 1_500 } });
    agent = await connectForwardingClient({ sshPort: server.sshPort, key: alice, envId: 'env' });
    const target = { host: '127.0.0.1', port: origin.port };
    expect(await agent.forward({ request: formatForwardRequest({ name: 'web-80', access: 'public' }), target })).toBe(true);
    expect(await agent.forward({ request: formatForwardRequest({ name: 'admin-80', access: 'private' }), target })).toBe(true);
  });

  afterAll(async () => {
    await agent?.close();
    await server?.close({ drainMs: 0 });
    await origin?.[Symbol.asyncDispose]();
  });

  const stillServes = async (): Promise<void> => {
    const res = await requestVia(server.httpPort, { host: pub() });
    expect(res.body.toString()).toBe('still serving');
  };

  describe('SSH clients', () => {
    it('should survive `ssh -R … hello` with stdin closed, answer it, and exit 0 (items 1, 17)', async () => {
      for (let i = 0; i < 3; i++) {
        const run = await runOpenSsh(eve, ['-p', String(server.sshPort), '-R', 'x:80:127.0.0.1:9', 'e@127.0.0.1', 'hello']);
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout)).toMatchObject({ envId: 'e', tunnels: [{ name: 'x' }] });
      }
      await stillServes();
    });

    it('should survive a client that asks for hello and vanishes before the answer (item 1)', async () => {
      for (let i = 0; i < 5; i++) {
        const c = await connectForwardingClient({ sshPort: server.sshPort, key: eve, envId: `gone-${i}` });
        void c.forward({ request: 'x', target: { host: '127.0.0.1', port: 9 } });
        c.conn.exec('hello', (err, stream) => (err ? undefined : stream.close()));
        if (i % 2) c.socket.destroy();
        else c.conn.end();
      }
      await new Promise((r) => setTimeout(r, 300));
      await stillServes();
    });

    it('should offer only AEAD ciphers, so a stock OpenSSH client lands on AES-GCM (item 18)', async () => {
      const run = await runOpenSsh(eve, ['-v', '-p', String(server.sshPort), 'e@127.0.0.1', 'hello']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/kex: server->client cipher: aes128-gcm@openssh\.com/);
      const ctr = await runOpenSsh(eve, ['-c', 'aes128-ctr', '-p', String(server.sshPort), 'e@127.0.0.1', 'hello']);
      expect(ctr.code).not.toBe(0);
      expect(ctr.stderr).toMatch(/no matching cipher/);
    });

    it('should bound refused forwards: names are cut before they are kept or logged, and a flood drops the connection (item 5)', async () => {
      let logged = 0;
      const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => ((logged += chunk.length), cb()) });
      await using s = await startTestServer({ logger: pino({ level: 'info' }, sink) });
      const c = await connectForwardingClient({ sshPort: s.sshPort, key: eve, envId: 'flood' });
      const huge = (i: number): string => `${i}${'A'.repeat(30_000)}`;
      // A few refusals are reported back in full-but-bounded form.
      for (let i = 0; i < 3; i++) expect(await c.forward({ request: huge(i), target: { host: '127.0.0.1', port: 9 } })).toBe(false);
      const hello = await c.hello();
      expect(hello.rejected?.length).toBe(3);
      for (const r of hello.rejected ?? []) expect(r.name.length).toBeLessThanOrEqual(300);
      // A flood is cut off: the server closes the connection long before 2,000 refusals.
      const closed = new Promise((r) => c.socket.once('close', r));
      let answered = 0;
      try {
        for (let i = 3; i < 2_000 && !c.socket.destroyed; i++) {
          await c.forward({ request: huge(i), target: { host: '127.0.0.1', port: 9 } });
          answered += 1;
        }
      } catch (err) {
        expect(String(err)).toMatch(/Not connected/); // ssh2 refuses to send once the server hung up
      }
      await closed;
      expect(answered).toBeLessThan(200);
      expect(logged).toBeLessThan(256 * 1024);
      const ok = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await ok.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      expect((await requestVia(s.httpPort, { host: pub() })).body.toString()).toBe('still serving');
      await ok.close();
    });

    it('should limit tunnels and connections per key, not per connection (item 7)', async () => {
      await using s = await startTestServer({ adminPort: 0, limits: { tunnelsPerConnection: 4, tunnelsPerKey: 5, connectionsPerKey: 2 } });
      const conns = [await connectForwardingClient({ sshPort: s.sshPort, key: eve, envId: 'a' }), await connectForwardingClient({ sshPort: s.sshPort, key: eve, envId: 'b' })];
      let accepted = 0;
      for (const c of conns) for (let i = 0; i < 4; i++) if (await c.forward({ request: `t${i}`, target: { host: '127.0.0.1', port: 9 } })) accepted += 1;
      expect(accepted).toBe(5);
      const rejected = (await conns[1]!.hello()).rejected ?? [];
      expect(rejected.map((r) => r.reason).join('\n')).toMatch(/per key/);
      await expect(connectForwardingClient({ sshPort: s.sshPort, key: eve, envId: 'c' })).rejects.toThrow();
      // Another key is not affected by eve's use.
      const other = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await other.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      const metrics = (await requestVia(s.adminPort!, { host: '127.0.0.1', path: '/metrics' })).body.toString();
      expect(metrics).toMatch(/^preevy_tunnel_limit\{name="tunnelsPerKey"\} 5$/m);
      expect(metrics).toMatch(/^preevy_tunnel_refused_total\{reason="tunnels-per-key"\} [1-9]/m);
      expect(metrics).toMatch(/^preevy_tunnel_refused_total\{reason="connections-per-key"\} [1-9]/m);
      for (const c of [...conns, other]) await c.close();
    });

    it('should cap unauthenticated SSH connections per source address and overall (item 7)', async () => {
      await using s = await startTestServer({ adminPort: 0, limits: { unauthenticatedPerAddress: 2, unauthenticatedConnections: 3, sshHandshakeTimeoutMs: 3_000 } });
      const idle = [await connectRaw(s.sshPort), await connectRaw(s.sshPort)];
      const third = await rawExchange(s.sshPort, () => {}, { timeoutMs: 1_000 });
      expect(third.closed).toBe(true); // refused at once, long before the 3 s handshake deadline
      const fromOther = await rawExchange(s.sshPort, () => {}, { timeoutMs: 500, localAddress: '127.0.0.2' });
      expect(fromOther.closed).toBe(false); // another address still gets in, up to the overall cap
      const overall = await rawExchange(s.sshPort, () => {}, { timeoutMs: 1_000, localAddress: '127.0.0.3' });
      expect(overall.closed).toBe(true);
      for (const sock of idle) sock.destroy();
      await new Promise((r) => setTimeout(r, 100));
      await using ok = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await ok.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      const metrics = (await requestVia(s.adminPort!, { host: '127.0.0.1', path: '/metrics' })).body.toString();
      expect(metrics).toMatch(/^preevy_tunnel_refused_total\{reason="unauthenticated-per-address"\} [1-9]/m);
    });

    it('should release a connection whose peer stopped reading, with its tunnels and visitors (soak finding)', async () => {
      await using s = await startTestServer({ limits: { sshKeepaliveIntervalMs: 200, sshKeepaliveCountMax: 2, sshCloseGraceMs: 500 } });
      const frozen = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await frozen.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      frozen.socket.pause(); // alive at the TCP level, never reads again, never closes
      await expect.poll(() => s.stats(), { timeout: 5_000 }).toMatchObject({ sshClients: 0, tunnels: 0 });
      frozen.socket.destroy();
      await using fresh = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await fresh.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
    });

    it('should not hand a name to a connection that dropped during the liveness check (item 14)', async () => {
      await using s = await startTestServer({ limits: { aliveCheckTimeoutMs: 800 } });
      const frozen = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await frozen.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      frozen.socket.pause(); // deaf: it will fail the liveness check
      const quitter = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      void quitter.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } });
      await new Promise((r) => setTimeout(r, 200));
      quitter.socket.destroy(); // gone while the server waits on the frozen one
      await new Promise((r) => setTimeout(r, 1_200));
      expect(s.stats().tunnels).toBe(0);
      frozen.socket.destroy();
      await using fresh = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await fresh.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      expect((await requestVia(s.httpPort, { host: pub() })).body.toString()).toBe('still serving');
    });
  });

  describe('share tokens and cookies', () => {
    it('should refuse a token issued in the future, and cap the cookie at the token\'s remaining life (item 2)', async () => {
      const tenYears = 10 * 365 * 24 * 3600 * 1000;
      const future = await requestVia(server.httpPort, { host: priv(), path: `/?preevy_token=${token({ now: () => Date.now() + tenYears })}` });
      expect(future.status).toBe(401);
      expect(future.body.toString()).toContain('issued-in-the-future');
      const ok = await requestVia(server.httpPort, { host: priv(), path: `/?preevy_token=${token({ expiresIn: 600 })}` });
      expect(ok.status).toBe(303);
      const maxAge = Number(/Max-Age=(\d+)/.exec(ok.headers['set-cookie']?.[0] ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(590);
      expect(maxAge).toBeLessThanOrEqual(600);
      await stillServes();
    });

    it('should strip the token and the session cookie from a WebSocket upgrade (item 3)', async () => {
      const before = origin.upgrades.length;
      const t = token();
      const { ws } = await wsOpen(server.httpPort, priv(), { path: `/chat?room=1&preevy_token=${t}`, headers: { Cookie: `preevy_session=${t}; app=3` } });
      expect(ws).toBeDefined();
      expect(await echo(ws!, 'hi')).toBe('hi');
      ws!.close();
      const seen = origin.upgrades[before]!;
      expect(seen.url).toBe('/chat?room=1');
      expect(seen.headers.cookie).toBe('app=3');
      expect(JSON.stringify(seen)).not.toContain(t);
    });

    it('should refuse a cross-origin upgrade that rides the victim\'s cookie, and allow a same-origin one (item 4)', async () => {
      const cookie = `preevy_session=${token()}`;
      const cross = await wsOpen(server.httpPort, priv(), { headers: { Cookie: cookie, Origin: `http://${hostOf('evil-80', 'env', eve)}` } });
      expect(cross.status).toBe(403);
      const same = await wsOpen(server.httpPort, priv(), { headers: { Cookie: cookie, Origin: `http://${priv()}` } });
      expect(same.ws).toBeDefined();
      same.ws!.close();
      await stillServes();
    });

    it('should refuse a state-changing cross-origin request with the cookie, and allow navigation (item 4)', async () => {
      const cookie = `preevy_session=${token()}`;
      const evil = `http://${hostOf('evil-80', 'env', eve)}`;
      const post = await requestVia(server.httpPort, { host: priv(), method: 'POST', path: '/up', headers: { Cookie: cookie, Origin: evil, 'Content-Length': '2' }, body: Buffer.from('hi') });
      expect(post.status).toBe(403);
      const sameSite = await requestVia(server.httpPort, { host: priv(), method: 'POST', path: '/up', headers: { Cookie: cookie, 'Sec-Fetch-Site': 'same-site', 'Content-Length': '2' }, body: Buffer.from('hi') });
      expect(sameSite.status).toBe(403);
      const own = await requestVia(server.httpPort, { host: priv(), method: 'POST', path: '/up', headers: { Cookie: cookie, Origin: `http://${priv()}`, 'Content-Length': '2' }, body: Buffer.from('hi') });
      expect(own.status).toBe(200);
      const navigation = await requestVia(server.httpPort, { host: priv(), headers: { Cookie: cookie, 'Sec-Fetch-Site': 'cross-site' } });
      expect(navigation.status).toBe(200);
    });

    it('should drop the Domain attribute of cookies a private service sets, so no tenant tosses cookies onto the others (item 4)', async () => {
      const res = await requestVia(server.httpPort, { host: priv(), path: '/set-cookie', headers: { Authorization: `Bearer ${token()}` } });
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']).toEqual(['tossed=1; Path=/', 'own=2; Path=/; HttpOnly']);
    });
  });

  describe('limits on every path', () => {
    it('should count private requests and upgrades against the per-tunnel connection limit (item 6)', async () => {
      await using s = await startTestServer({ limits: { connectionsPerTunnel: 2 } });
      await using a = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await a.forward({ request: formatForwardRequest({ name: 'admin-80', access: 'private' }), target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      const auth = { Authorization: `Bearer ${token()}` };
      const sockets = [await wsOpen(s.httpPort, priv(), { headers: auth }), await wsOpen(s.httpPort, priv(), { headers: auth })];
      expect(sockets.every((x) => x.ws)).toBe(true);
      expect((await wsOpen(s.httpPort, priv(), { headers: auth })).status).toBe(503);
      expect((await requestVia(s.httpPort, { host: priv(), headers: auth })).status).toBe(503);
      for (const x of sockets) x.ws!.close();
      await expect.poll(async () => (await requestVia(s.httpPort, { host: priv(), headers: auth })).status, { timeout: 5_000 }).toBe(200);
    });

    it('should time out a channel the agent never confirms with 504, counting pending opens and releasing them (item 6)', async () => {
      await using s = await startTestServer({ limits: { connectionsPerTunnel: 3, channelOpenTimeoutMs: 700 } });
      await using mute = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      mute.conn.removeAllListeners('tcp connection');
      mute.conn.on('tcp connection', () => {}); // neither accepts nor rejects: the open stays pending
      expect(await mute.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      const pending = [0, 1, 2].map(() => rawExchange(s.httpPort, (x) => x.write(`GET / HTTP/1.1\r\nHost: ${pub()}\r\n\r\n`), { timeoutMs: 4_000 }));
      await new Promise((r) => setTimeout(r, 200));
      const fourth = await rawExchange(s.httpPort, (x) => x.write(`GET / HTTP/1.1\r\nHost: ${pub()}\r\n\r\n`), { timeoutMs: 4_000 });
      expect(fourth.text).toMatch(/^HTTP\/1\.1 503/);
      for (const res of await Promise.all(pending)) {
        expect(res.closed).toBe(true);
        expect(res.text).toMatch(/^HTTP\/1\.1 504/);
        expect(res.text).toMatch(/did not open a channel/);
      }
      await expect.poll(() => s.stats().visitorConnections, { timeout: 2_000 }).toBe(0);
    });

    it('should pause a visitor while the agent does not read, whatever window it advertises (item 8)', async () => {
      await using s = await startTestServer({ limits: { agentWriteBufferBytes: 1024 * 1024 } });
      await using greedy = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      greedy.conn.removeAllListeners('tcp connection');
      greedy.conn.on('tcp connection', (_info, accept) => {
        const channel = accept() as unknown as { outgoing: { id: number } };
        // Advertise a 2 GiB window, then stop reading the SSH socket altogether.
        (greedy.conn as unknown as { _protocol: { channelWindowAdjust(id: number, n: number): void } })._protocol.channelWindowAdjust(channel.outgoing.id, 2 ** 31 - 1);
        setTimeout(() => greedy.socket.pause(), 50);
      });
      expect(await greedy.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      const visitor = await connectRaw(s.httpPort);
      visitor.write(`POST /up HTTP/1.1\r\nHost: ${pub()}\r\nContent-Length: ${256 * 1024 * 1024}\r\n\r\n`);
      const chunk = Buffer.alloc(256 * 1024, 1);
      let flushed = 0;
      const deadline = Date.now() + 3_000;
      await new Promise<void>((resolve) => {
        const pump = (): void => {
          while (Date.now() < deadline) {
            if (!visitor.write(chunk, () => (flushed += chunk.length))) return void visitor.once('drain', pump);
          }
          resolve();
        };
        pump();
        setTimeout(resolve, 3_200);
      });
      visitor.destroy();
      // Without backpressure the server swallows everything the visitor sends (hundreds of MiB).
      expect(flushed).toBeLessThan(48 * 1024 * 1024);
      greedy.socket.resume();
    });

    it('should refuse a request with both Content-Length and Transfer-Encoding on every path, pipelined too (item 9)', async () => {
      const smuggle = (host: string) => `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\ntRaNsFeR-eNcOdInG: chunked\r\n\r\n0\r\n\r\n`;
      for (const host of [pub(), priv()]) {
        const res = await rawExchange(server.httpPort, (s) => s.write(smuggle(host)));
        expect(res.text).toMatch(/^HTTP\/1\.1 400/);
        expect(res.closed).toBe(true);
      }
      // The second request of a keep-alive connection is checked too, and nothing after it is served.
      const piped = await rawExchange(server.httpPort, (s) => s.write(`GET / HTTP/1.1\r\nHost: ${pub()}\r\n\r\n${smuggle(pub())}GET / HTTP/1.1\r\nHost: ${pub()}\r\n\r\n`));
      expect(piped.text.match(/still serving/g)?.length).toBe(1);
      expect(piped.text).toMatch(/HTTP\/1\.1 400/);
      expect(piped.closed).toBe(true);
      await stillServes();
    });

    it('should set X-Forwarded-* from what the server saw on the public path, every request of a connection (item 10)', async () => {
      const lie = 'X-Forwarded-For: 6.6.6.6\r\nx-forwarded-proto: https\r\nX-Forwarded-Host: bank.example\r\n';
      const res = await rawExchange(server.httpPort, (s) =>
        s.write(`GET /headers HTTP/1.1\r\nHost: ${pub()}\r\n${lie}\r\nGET /headers HTTP/1.1\r\nHost: ${pub()}\r\n${lie}Connection: close\r\n\r\n`),
      );
      const bodies = [...res.text.matchAll(/(\{"host"[^\r\n]*\})\r\n/g)].map((m) => JSON.parse(m[1]!) as Record<string, string>);
      expect(bodies).toHaveLength(2);
      for (const seen of bodies) {
        expect(seen['x-forwarded-for']).toBe('127.0.0.1');
        expect(seen['x-forwarded-proto']).toBe('http');
        expect(seen['x-forwarded-host']).toBe(pub());
      }
    });

    it('should bound total visitor connections (item 11)', async () => {
      await using s = await startTestServer({ limits: { maxVisitorConnections: 3 } });
      await using a = await connectForwardingClient({ sshPort: s.sshPort, key: alice, envId: 'env' });
      expect(await a.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
      const held = await Promise.all([0, 1, 2].map(() => connectRaw(s.httpPort)));
      await new Promise((r) => setTimeout(r, 100));
      const over = await rawExchange(s.httpPort, (x) => x.write(`GET / HTTP/1.1\r\nHost: ${pub()}\r\n\r\n`), { timeoutMs: 2_000 });
      expect(over.closed).toBe(true);
      expect(over.text).not.toContain('still serving');
      for (const h of held) h.destroy();
      await expect.poll(async () => (await requestVia(s.httpPort, { host: pub() })).body.toString(), { timeout: 3_000 }).toBe('still serving');
    });

    it('should cut off a request body that trickles in, on the public and the private path (item 11)', async () => {
      for (const [host, auth] of [[pub(), ''], [priv(), `Authorization: Bearer ${token()}\r\n`]] as const) {
        const started = Date.now();
        const res = await rawExchange(
          server.httpPort,
          (s) => {
            s.write(`POST /up HTTP/1.1\r\nHost: ${host}\r\n${auth}Content-Length: 1000\r\n\r\n`);
            const drip = setInterval(() => (s.writable ? s.write('x') : clearInterval(drip)), 100);
            s.once('close', () => clearInterval(drip));
          },
          { timeoutMs: 6_000 },
        );
        expect(res.closed, host).toBe(true);
        expect(Date.now() - started).toBeLessThan(5_000);
      }
      await stillServes();
    });

    it('should keep the admin port on 127.0.0.1 when the server listens on every interface (item 13)', async () => {
      await using wide = await startTestServer({ listenHost: '0.0.0.0', adminPort: 0 });
      expect(wide.adminAddress).toBe('127.0.0.1');
      await using asked = await startTestServer({ listenHost: '127.0.0.1', adminListenHost: '0.0.0.0', adminPort: 0 });
      expect(asked.adminAddress).toBe('0.0.0.0');
    });
  });

  describe('what a careful attacker tries next', () => {
    it.each([
      ['an absolute-form URI naming another host', () => `GET http://other.${BASE}/ HTTP/1.1\r\nHost: ${pub()}\r\n\r\n`, /^HTTP\/1\.1 400/],
      ['a Transfer-Encoding that does not end in chunked', () => `POST / HTTP/1.1\r\nHost: ${pub()}\r\nTransfer-Encoding: chunked, identity\r\n\r\n`, /^HTTP\/1\.1 400/],
      ['two different Content-Lengths', () => `POST / HTTP/1.1\r\nHost: ${pub()}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`, /^HTTP\/1\.1 400/],
      ['a chunk size beyond any body', () => `POST /up HTTP/1.1\r\nHost: ${pub()}\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n`, /HTTP\/1\.1 400/],
      ['HTTP/1.0 without a Host', () => 'GET / HTTP/1.0\r\n\r\n', /^HTTP\/1\.1 404/],
      ['a refused request with another pipelined behind it', () => `GET / HTTP/1.1\r\nHost: ${pub()}\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: ${pub()}\r\n\r\n`, /^HTTP\/1\.1 400(?![\s\S]*still serving)/],
    ])('should refuse %s and keep serving', async (_what, bytes, expected) => {
      const res = await rawExchange(server.httpPort, (s) => s.write(bytes()));
      expect(res.text).toMatch(expected);
      expect(res.closed).toBe(true);
      await stillServes();
    });

    it('should serve a chunked upload on the public path intact, with a trailer', async () => {
      const res = await rawExchange(server.httpPort, (s) =>
        s.write(`POST /up HTTP/1.1\r\nHost: ${pub()}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n`),
      );
      expect(res.text).toMatch(/^HTTP\/1\.1 200/);
      expect(res.text).toContain('"bytes":11');
    });

    it('should bound and escape hostile metadata on the index page, and refuse an oversized or malformed document', async () => {
      const hostile = {
        branch: `<script>alert(1)</script>\u202e${'b'.repeat(3_000)}`,
        branchUrl: 'https://git.example/tree/x" onmouseover="alert(1)',
        pullRequest: 1e308,
        pullRequestUrl: 'javascript:alert(1)',
        commit: '"><img src=x onerror=alert(1)>',
        repository: '</dd><img src=x onerror=alert(1)>',
        repositoryUrl: 'data:text/html,<script>alert(1)</script>',
        deployedAt: '<b>now</b>',
        services: [
          { service: '<iframe src=//evil>', port: 80, access: 'public', name: 'web-80' },
          { service: 'x', port: 1, access: 'public', name: '"><script>' },
          ...Array.from({ length: 120 }, (_, i) => ({ service: `s${i}`, port: 1000 + i, access: 'public', name: `s${i}-${1000 + i}` })),
        ],
      };
      const reply = await agent.exec(`metadata ${JSON.stringify(hostile)}`);
      expect(reply.code, reply.stderr).toBe(0);
      expect((JSON.parse(reply.stdout) as { problems: string[] }).problems.length).toBeGreaterThan(5);

      const res = await requestVia(server.httpPort, { host: `env-${alice.clientId}.${BASE}` });
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
      const html = res.body.toString();
      expect(html).not.toMatch(/<script|<img|<iframe|javascript:|data:text|onmouseover="/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('&lt;iframe src=//evil&gt;');
      expect(html).toContain('href="https://git.example/tree/x%22%20onmouseover=%22alert(1)"');
      expect(html).toContain('&lt;/dd&gt;&lt;img src=x onerror=alert(1)&gt;');
      expect(html).not.toContain('\u202e');
      expect(html).not.toContain('b'.repeat(300));
      expect(html.match(/<tr>/g)!.length).toBeLessThanOrEqual(101 + 2); // header row, the bound, the held private tunnel
      expect(res.body.length).toBeLessThan(64 * 1024);

      const huge = await agent.exec(`metadata ${JSON.stringify({ branch: 'x'.repeat(20_000) })}`);
      expect(huge.code).toBe(1);
      expect(huge.stderr).toMatch(/limited to 16384 bytes/);
      // Past SSH's packet size, ssh2 drops the connection itself: only that client's.
      const other = await connectForwardingClient({ sshPort: server.sshPort, key: eve, envId: 'meta' });
      await expect(other.exec(`metadata ${JSON.stringify({ branch: 'x'.repeat(40_000) })}`)).rejects.toThrow();
      await other.close();
      const notJson = await agent.exec('metadata {"branch":');
      expect(notJson.code).toBe(1);
      expect(notJson.stderr).toMatch(/not a JSON object/);
      const notObject = await agent.exec('metadata ["a"]');
      expect(notObject.code).toBe(1);
      await stillServes();
    });

    it('should close an SSH handshake that drips in, by its deadline', async () => {
      await using s = await startTestServer({ limits: { sshHandshakeTimeoutMs: 600 } });
      const started = Date.now();
      const res = await rawExchange(s.sshPort, (x) => {
        const ident = Buffer.from('SSH-2.0-drip\r\n');
        let i = 0;
        const drip = setInterval(() => (x.writable && i < ident.length ? x.write(ident.subarray(i, ++i)) : clearInterval(drip)), 100);
        x.once('close', () => clearInterval(drip));
      }, { timeoutMs: 5_000 });
      expect(res.closed).toBe(true);
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });
});
