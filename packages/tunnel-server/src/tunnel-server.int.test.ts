import { connect as netConnect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { envAudience, formatForwardRequest, signShareToken, tunnelLabel } from '@preevy/tunnel-protocol';
import { connectForwardingClient, generateTestKey, type ForwardingClient, type TestKey } from './test-support/forwarding-client.js';
import { downloadDigest, requestVia } from './test-support/http-client.js';
import { patternChunk, patternDigest, startOrigin, type Origin } from './test-support/origin.js';
import type { RunningTunnelServer } from './tunnel-server.js';
import { startTestServer, TEST_BASE_HOST } from './test-support/test-server.js';

const BASE = TEST_BASE_HOST;
const MB100 = 100 * 1024 * 1024;
const clientIdOf = (key: TestKey): string => key.clientId;
const hostOf = (name: string, envId: string, key: TestKey): string => `${tunnelLabel({ name, envId, clientId: clientIdOf(key) })}.${BASE}`;

describe('tunnel server', () => {
  let server: RunningTunnelServer;
  let web: Origin;
  let api: Origin;
  const alice = generateTestKey();
  const mallory = generateTestKey();
  let agent: ForwardingClient;

  beforeAll(async () => {
    [web, api] = await Promise.all([startOrigin('web says hi'), startOrigin('api says hi')]);
    server = await startTestServer({ adminPort: 0, limits: { headerTimeoutMs: 500, aliveCheckTimeoutMs: 500 } });
    agent = await connectForwardingClient({ sshPort: server.sshPort, key: alice, envId: 'pr-1' });
    expect(await agent.forward({ request: formatForwardRequest({ name: 'web-80', access: 'public', service: 'web', port: 80 }), target: { host: '127.0.0.1', port: web.port } })).toBe(true);
    expect(await agent.forward({ request: formatForwardRequest({ name: 'api-3000', access: 'public', service: 'api', port: 3000 }), target: { host: '127.0.0.1', port: api.port } })).toBe(true);
    expect(await agent.forward({ request: formatForwardRequest({ name: 'admin-8080', access: 'private', service: 'admin', port: 8080 }), target: { host: '127.0.0.1', port: api.port } })).toBe(true);
  });

  afterAll(async () => {
    await agent?.close();
    await server?.close({ drainMs: 0 });
    await web?.[Symbol.asyncDispose]();
    await api?.[Symbol.asyncDispose]();
  });

  describe('routing', () => {
    it('should route each hostname to its own service', async () => {
      const a = await requestVia(server.httpPort, { host: hostOf('web-80', 'pr-1', alice) });
      const b = await requestVia(server.httpPort, { host: hostOf('api-3000', 'pr-1', alice) });
      expect([a.status, a.body.toString()]).toEqual([200, 'web says hi']);
      expect([b.status, b.body.toString()]).toEqual([200, 'api says hi']);
    });

    it('should report the tunnels and their URLs in the hello reply', async () => {
      const hello = await agent.hello();
      expect(hello.clientId).toBe(clientIdOf(alice));
      expect(hello.tunnels.map((t) => t.url).sort()).toEqual(
        [hostOf('admin-8080', 'pr-1', alice), hostOf('api-3000', 'pr-1', alice), hostOf('web-80', 'pr-1', alice)].map((h) => `http://${h}`).sort(),
      );
    });

    it('should serve several requests on one keep-alive connection', async () => {
      const sock = netConnect({ host: '127.0.0.1', port: server.httpPort });
      const host = hostOf('web-80', 'pr-1', alice);
      let received = '';
      sock.on('data', (d: Buffer) => (received += d.toString()));
      await new Promise((r) => sock.once('connect', r));
      sock.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\nGET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      await expect.poll(() => received.split('web says hi').length - 1, { timeout: 5_000 }).toBe(2);
      sock.destroy();
    });

    it('should deliver the whole response to a visitor that half-closes after its request', async () => {
      const sock = netConnect({ host: '127.0.0.1', port: server.httpPort });
      let received = '';
      sock.on('data', (d: Buffer) => (received += d.toString('latin1')));
      await new Promise((r) => sock.once('connect', r));
      sock.end(`GET /big?n=1000000 HTTP/1.1\r\nHost: ${hostOf('web-80', 'pr-1', alice)}\r\nConnection: close\r\n\r\n`);
      await new Promise((r) => sock.once('close', r));
      const body = received.slice(received.indexOf('\r\n\r\n') + 4);
      expect(received).toMatch(/^HTTP\/1\.1 200/);
      expect(body.length).toBe(1_000_000);
    });

    it('should list an environment\'s services on its index page, with what its agent reported', async () => {
      const indexHost = `pr-1-${clientIdOf(alice)}.${BASE}`;
      const meta = {
        branch: 'feature/login',
        pullRequest: 7,
        pullRequestUrl: 'https://git.example/o/r/pull/7',
        commit: 'abcdef0123456789',
        deployedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
        services: [
          { service: 'web', port: 80, access: 'public', name: 'web-80' },
          { service: 'worker', port: 9000, access: 'public', name: 'worker-9000' },
        ],
      };
      const reply = await agent.exec(`metadata ${JSON.stringify(meta)}`);
      expect(reply).toMatchObject({ code: 0 });
      expect(JSON.parse(reply.stdout)).toEqual({ ok: true, problems: [] });
      const res = await requestVia(server.httpPort, { host: indexHost });
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      const html = res.body.toString();
      expect(html).toContain(`http://${hostOf('web-80', 'pr-1', alice)}`);
      expect(html).toMatch(/admin<small>:8080<\/small>.*private<br><small>Needs a signed link: <code>preevy urls --id pr-1 --include-access-credentials<\/code>/);
      expect(html).toContain('<a href="https://git.example/o/r/pull/7">#7</a>');
      expect(html).toContain('<code>feature/login</code>');
      expect(html).toContain('5 minutes ago');
      // Reported by the agent but not held by the server: listed, and said to be down.
      expect(html).toMatch(/worker<small>:9000<\/small>.*?<span class="state down">not connected<\/span>/);
      expect(html.match(/<span class="state up">connected<\/span>/g)).toHaveLength(3);
    });

    it('should say an environment was removed once its last connection goes, unlike an unknown host', async () => {
      const bob = generateTestKey();
      const gone = await connectForwardingClient({ sshPort: server.sshPort, key: bob, envId: 'pr-9' });
      expect(await gone.forward({ request: formatForwardRequest({ name: 'web-80', access: 'public', service: 'web', port: 80 }), target: { host: '127.0.0.1', port: web.port } })).toBe(true);
      expect((await gone.exec('metadata {"branch":"fix/typo","pullRequest":9}')).code).toBe(0);
      const indexHost = `pr-9-${bob.clientId}.${BASE}`;
      expect((await requestVia(server.httpPort, { host: indexHost })).status).toBe(200);
      await gone.close();
      await expect.poll(async () => (await requestVia(server.httpPort, { host: indexHost })).status, { timeout: 5_000 }).toBe(410);
      const html = (await requestVia(server.httpPort, { host: indexHost })).body.toString();
      expect(html).toContain('This preview was removed');
      expect(html).toContain('<code>fix/typo</code>');
      expect(html).toMatch(/<time datetime="[^"]+">.* UTC<\/time> \(just now\)/);
      // A connection that only asked hello published nothing: its index stays unknown.
      const carol = generateTestKey();
      const checker = await connectForwardingClient({ sshPort: server.sshPort, key: carol, envId: 'pr-10' });
      await checker.hello();
      await checker.close();
      expect((await requestVia(server.httpPort, { host: `pr-10-${carol.clientId}.${BASE}` })).status).toBe(404);
    });

    it('should answer an unknown host with a small 404 page', async () => {
      const res = await requestVia(server.httpPort, { host: `nothing-here.${BASE}` });
      expect(res.status).toBe(404);
      expect(res.body.toString()).toContain('No preview here');
    });

    it('should relay a WebSocket echo', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/`, { headers: { Host: hostOf('web-80', 'pr-1', alice) } });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.once('open', () => ws.send('ping through the tunnel'));
        ws.once('message', (d: Buffer) => resolve(d.toString()));
        ws.once('error', reject);
      });
      ws.close();
      expect(reply).toBe('ping through the tunnel');
    });

    it('should stream a 100 MB download intact', async () => {
      const res = await downloadDigest(server.httpPort, hostOf('web-80', 'pr-1', alice), `/big?n=${MB100}`);
      expect(res).toEqual({ status: 200, bytes: MB100, sha256: patternDigest(MB100) });
    });

    it('should stream a 100 MB upload intact', async () => {
      const chunk = patternChunk(64 * 1024, 7);
      let sent = 0;
      const body = new Readable({
        read() {
          if (sent >= MB100) return void this.push(null);
          sent += chunk.length;
          this.push(chunk);
        },
      });
      const res = await requestVia(server.httpPort, {
        host: hostOf('web-80', 'pr-1', alice),
        method: 'POST',
        path: '/up',
        headers: { 'Content-Length': String(MB100) },
        body,
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({ bytes: MB100, sha256: patternDigest(MB100) });
    });
  });

  describe('private services', () => {
    const host = (): string => hostOf('admin-8080', 'pr-1', alice);
    const label = (): string => host().slice(0, -BASE.length - 1);
    const token = (opts: { key?: TestKey; audience?: string; expiresIn?: number; now?: () => number } = {}): string =>
      signShareToken({
        privateKey: (opts.key ?? alice).signingKey,
        clientId: clientIdOf(alice),
        audience: opts.audience ?? envAudience('pr-1'),
        expiresIn: opts.expiresIn ?? 3600,
        ...(opts.now ? { now: opts.now } : {}),
      });

    it('should refuse a request with no token', async () => {
      const res = await requestVia(server.httpPort, { host: host() });
      expect(res.status).toBe(401);
      expect(res.body.toString()).toContain('no-credentials');
    });

    it('should refuse an expired token, a token signed by another key and a tampered token', async () => {
      const expired = token({ now: () => Date.now() - 7200_000 });
      const foreign = token({ key: mallory });
      const valid = token();
      const [header, payload, sig] = valid.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 1e6 })).toString('base64url')}.${sig}`;
      for (const [t, reason] of [
        [expired, 'expired'],
        [foreign, 'bad-signature'],
        [tampered, 'bad-signature'],
        ['not-a-token', 'malformed'],
      ] as const) {
        const res = await requestVia(server.httpPort, { host: host(), headers: { Authorization: `Bearer ${t}` } });
        expect(res.status, reason).toBe(401);
        expect(res.body.toString()).toContain(reason);
      }
    });

    it('should refuse a token for another environment', async () => {
      const res = await requestVia(server.httpPort, { host: host(), headers: { Authorization: `Bearer ${token({ audience: envAudience('pr-2') })}` } });
      expect(res.status).toBe(401);
      expect(res.body.toString()).toContain('wrong-audience');
    });

    it('should accept a valid bearer token, for the environment or the one tunnel, and strip it before the origin', async () => {
      for (const audience of [envAudience('pr-1'), label()]) {
        const res = await requestVia(server.httpPort, { host: host(), path: '/headers', headers: { Authorization: `Bearer ${token({ audience })}`, Cookie: 'app=1' } });
        expect(res.status).toBe(200);
        const seen = JSON.parse(res.body.toString()) as Record<string, string>;
        expect(seen.authorization).toBeUndefined();
        expect(seen.cookie).toBe('app=1');
        expect(seen['x-forwarded-host']).toBe(host());
      }
    });

    it('should exchange a query token for a host-only HttpOnly cookie and redirect to the clean URL', async () => {
      const t = token();
      const res = await requestVia(server.httpPort, { host: host(), path: `/some/page?x=1&preevy_token=${t}` });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/some/page?x=1');
      const cookie = res.headers['set-cookie']?.[0] ?? '';
      expect(cookie).toMatch(/^preevy_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
      expect(cookie).not.toMatch(/domain=/i);

      const follow = await requestVia(server.httpPort, { host: host(), path: '/headers', headers: { Cookie: `${cookie.split(';')[0]}; app=2` } });
      expect(follow.status).toBe(200);
      expect((JSON.parse(follow.body.toString()) as Record<string, string>).cookie).toBe('app=2');
    });

    it('should never redirect off the host, whatever the path', async () => {
      const res = await requestVia(server.httpPort, { host: host(), path: `//evil.example/x?preevy_token=${token()}` });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/evil.example/x');
    });

    it('should refuse a WebSocket upgrade without a token and relay one with a token', async () => {
      const open = (headers: Record<string, string>) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/`, { headers: { Host: host(), ...headers } });
          ws.once('open', () => ws.send('hello'));
          ws.once('message', (d: Buffer) => (ws.close(), resolve(d.toString())));
          ws.once('unexpected-response', (_req, res) => resolve(`status ${res.statusCode}`));
          ws.once('error', (e) => resolve(`error ${e.message}`));
        });
      expect(await open({})).toBe('status 401');
      expect(await open({ Authorization: `Bearer ${token()}` })).toBe('hello');
    });
  });

  describe('ownership', () => {
    it('should keep client B in its own namespace when it asks for client A\'s name', async () => {
      await using bob = await connectForwardingClient({ sshPort: server.sshPort, key: mallory, envId: 'pr-1' });
      // Even the full label of A's tunnel, asked for as a name, lands under B's client id.
      const aLabel = hostOf('web-80', 'pr-1', alice).slice(0, -BASE.length - 1);
      expect(await bob.forward({ request: aLabel, target: { host: '127.0.0.1', port: api.port } })).toBe(true);
      expect(await bob.forward({ request: 'web-80', target: { host: '127.0.0.1', port: api.port } })).toBe(true);
      const hello = await bob.hello();
      expect(hello.tunnels.every((t) => t.label.endsWith(`-${clientIdOf(mallory)}`))).toBe(true);
      const a = await requestVia(server.httpPort, { host: hostOf('web-80', 'pr-1', alice) });
      expect(a.body.toString()).toBe('web says hi');
    });

    it('should refuse a second live connection of the same client the same name, with a reason', async () => {
      await using twin = await connectForwardingClient({ sshPort: server.sshPort, key: alice, envId: 'pr-1' });
      expect(await twin.forward({ request: 'web-80', target: { host: '127.0.0.1', port: api.port } })).toBe(false);
      const hello = await twin.hello();
      expect(hello.rejected?.[0]?.reason).toMatch(/held by another live connection/);
      const a = await requestVia(server.httpPort, { host: hostOf('web-80', 'pr-1', alice) });
      expect(a.body.toString()).toBe('web says hi');
    });

    it('should free the names of a connection that dropped without saying goodbye', async () => {
      const gone = await connectForwardingClient({ sshPort: server.sshPort, key: alice, envId: 'pr-9' });
      expect(await gone.forward({ request: 'web-80', target: { host: '127.0.0.1', port: web.port } })).toBe(true);
      gone.socket.destroy(); // no SSH disconnect message
      await expect.poll(async () => (await requestVia(server.httpPort, { host: hostOf('web-80', 'pr-9', alice) })).status, { timeout: 5_000 }).toBe(404);
      await using back = await connectForwardingClient({ sshPort: server.sshPort, key: alice, envId: 'pr-9' });
      expect(await back.forward({ request: 'web-80', target: { host: '127.0.0.1', port: api.port } })).toBe(true);
      expect((await requestVia(server.httpPort, { host: hostOf('web-80', 'pr-9', alice) })).body.toString()).toBe('api says hi');
    });

    it('should let a reconnecting client take its names back from a connection that no longer answers', async () => {
      const frozen = await connectForwardingClient({ sshPort: server.sshPort, key: alice, envId: 'pr-8' });
      expect(await frozen.forward({ request: 'web-80', target: { host: '127.0.0.1', port: web.port } })).toBe(true);
      frozen.socket.pause(); // alive at the TCP level, deaf at the SSH level: the half-open case
      await using fresh = await connectForwardingClient({ sshPort: server.sshPort, key: alice, envId: 'pr-8' });
      expect(await fresh.forward({ request: 'web-80', target: { host: '127.0.0.1', port: api.port } })).toBe(true);
      expect((await requestVia(server.httpPort, { host: hostOf('web-80', 'pr-8', alice) })).body.toString()).toBe('api says hi');
      frozen.socket.destroy();
    });
  });
});
