import { createHash, randomBytes } from 'node:crypto';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { forwardPort, type LocalPortForward } from './port-forward.js';

// The relay logic against a stand-in for the API server's port-forward endpoint that speaks the
// v4 channel protocol on loopback (channel 0 data, 1 errors, each opened by a port-number frame).
// The real API server is in test/e2e/kube-cluster.e2e.test.ts; this one can be made slow at will.

const MB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const portFrame = (channel: number, port: number) => Buffer.from([channel, port & 0xff, port >> 8]);

describe('forwardPort (relay logic, v4 stand-in on loopback)', () => {
  let wss: WebSocketServer;
  let onStream: (ws: WebSocket, pod: string) => void;
  let forward: LocalPortForward;
  let kc: KubeConfig;
  const clients: Socket[] = [];
  /** Pods the stand-in answers 404 for, as the API server does for a deleted pod. */
  const gonePods = new Set<string>();
  const podOf = (url = '') => /\/pods\/([^/]+)\/portforward/.exec(url)?.[1] ?? '';

  beforeEach(async () => {
    gonePods.clear();
    wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: () => 'v4.channel.k8s.io',
      verifyClient: (info, done) => (gonePods.has(podOf(info.req.url)) ? done(false, 404) : done(true)),
    });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws, req) => {
      ws.send(portFrame(0, 2375));
      ws.send(portFrame(1, 2375));
      onStream(ws, podOf(req.url));
    });
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    forward = await forwardPort(kc, { namespace: 'ns', pod: 'p', port: 2375 });
  });

  afterEach(async () => {
    for (const c of clients) c.destroy();
    await forward.close();
    for (const ws of wss.clients) ws.terminate(); // a stalled stand-in never reads the close frame
    await new Promise((r) => wss.close(r));
  });

  const dial = () =>
    new Promise<Socket>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: forward.port, allowHalfOpen: true }, () => resolve(s));
      clients.push(s);
    });
  const readAll = (s: Socket) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d)).once('end', () => resolve(Buffer.concat(chunks)));
    });

  it('should bind 127.0.0.1 only and carry bytes both ways on channel 0', async () => {
    expect(forward.host).toBe('127.0.0.1');
    onStream = (ws) => ws.on('message', (m: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(m.subarray(1).toString().toUpperCase())])));
    const s = await dial();
    const reply = new Promise<string>((r) => s.once('data', (d: Buffer) => r(d.toString())));
    s.write('hello');
    expect(await reply).toBe('HELLO');
  });

  it('should still deliver the reply after the local side half-closes', async () => {
    onStream = (ws) =>
      ws.on('message', () => {
        // the reply comes well after the client's EOF
        setTimeout(() => {
          ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('late reply')]));
          ws.close();
        }, 200);
      });
    const s = await dial();
    const body = readAll(s);
    s.end('request, then EOF');
    expect((await body).toString()).toBe('late reply');
  });

  it('should drop the connection and keep the reason the API server sent on the error channel', async () => {
    onStream = (ws) => ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('dial tcp4 127.0.0.1:2375: connect: connection refused')]));
    const s = await dial();
    expect((await readAll(s)).length).toBe(0); // ended without a byte
    expect(forward.lastError).toBe('dial tcp4 127.0.0.1:2375: connect: connection refused');
  });

  it('should stop reading from the API server while the local reader is slow, and lose nothing', async () => {
    const payload = randomBytes(64 * MB);
    let sent = 0;
    onStream = (ws) => {
      const pump = () => {
        // Sends whenever its own buffer drains, as fast as the forwarder takes frames.
        while (sent < payload.length && ws.bufferedAmount < 1 * MB) {
          const chunk = payload.subarray(sent, sent + 64 * 1024);
          sent += chunk.length;
          ws.send(Buffer.concat([Buffer.from([0]), chunk]), () => setImmediate(pump));
        }
        if (sent >= payload.length && ws.bufferedAmount === 0) ws.close();
      };
      pump();
    };
    const s = await dial();
    s.pause();
    await sleep(1500);
    // Without backpressure the forwarder would have read all 64 MB into memory by now.
    expect(sent).toBeLessThan(40 * MB);
    const body = readAll(s);
    s.resume();
    const got = await body;
    expect(got.length).toBe(payload.length);
    expect(sha(got)).toBe(sha(payload));
  });

  it('should stop reading the local socket while the API server does not take frames', async () => {
    let received = 0;
    let server: WebSocket | undefined;
    onStream = (ws) => {
      server = ws;
      ws.on('message', (m: Buffer) => (received += m.length - 1));
      (ws as unknown as { _socket: Socket })._socket.pause(); // a stalled API server
    };
    const s = await dial();
    const payload = randomBytes(64 * MB);
    s.write(payload);
    await sleep(1500);
    // The forwarder paused the local socket: most of the payload still waits on the client side.
    expect(s.writableLength).toBeGreaterThan(24 * MB);
    (server as unknown as { _socket: Socket })._socket.resume();
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 30_000;
      const check = () => (received >= payload.length ? resolve() : Date.now() > deadline ? reject(new Error(`only ${received} bytes arrived`)) : setTimeout(check, 50));
      check();
    });
    expect(received).toBe(payload.length);
  });

  it('should drop a stream within about a second when the API server never answers its close frame', async () => {
    let server: WebSocket | undefined;
    onStream = (ws) => {
      server = ws;
      ws.on('message', (m: Buffer) => ws.send(m));
    };
    const s = await dial();
    const echoed = new Promise((r) => s.once('data', r));
    s.write('x');
    await echoed;
    // From now on the stand-in drops every frame unread, the close frame included, yet sees the connection end.
    const raw = (server as unknown as { _socket: Socket })._socket;
    raw.removeAllListeners('data');
    raw.on('data', () => undefined);
    const gone = new Promise<number>((r) => raw.once('close', () => r(Date.now())));
    const closedAt = Date.now();
    // The command is done: its connection closes the forward, and with it every local socket.
    await forward.close();
    // The client would wait 30 s for the answer (and keep the CLI's process alive that long).
    expect((await gone) - closedAt).toBeLessThan(5_000);
  }, 10_000);

  describe('with a pod resolver', () => {
    /** Replies with the name of the pod the stream reached. */
    const answerPodName = (ws: WebSocket, pod: string) => ws.on('message', () => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(pod)])));
    const ask = async (port: number) => {
      const s = await new Promise<Socket>((resolve) => {
        const c = connect({ host: '127.0.0.1', port }, () => resolve(c));
        c.on('error', () => undefined); // a dropped connection resets; 'close' reports it
        clients.push(c);
      });
      const reply = new Promise<string>((resolve, reject) => {
        s.once('data', (d: Buffer) => resolve(d.toString()));
        s.once('close', () => reject(new Error('closed without a reply')));
      });
      s.write('which pod?');
      return reply;
    };

    it('should look the pod up once for many concurrent connections', async () => {
      onStream = answerPodName;
      let lookups = 0;
      await using fwd = await forwardPort(kc, {
        namespace: 'ns',
        pod: async () => {
          lookups += 1;
          await sleep(50);
          return 'pod-a';
        },
        port: 2375,
      });
      const replies = await Promise.all(Array.from({ length: 20 }, () => ask(fwd.port)));
      expect(new Set(replies)).toEqual(new Set(['pod-a']));
      expect(lookups).toBe(1);
    });

    it('should look again, within the same connection, when the remembered pod is gone', async () => {
      onStream = answerPodName;
      let current = 'pod-a';
      let lookups = 0;
      await using fwd = await forwardPort(kc, { namespace: 'ns', pod: async () => ((lookups += 1), current), port: 2375 });
      expect(await ask(fwd.port)).toBe('pod-a');
      gonePods.add('pod-a');
      current = 'pod-b';
      expect(await ask(fwd.port)).toBe('pod-b'); // no failed connection seen by the client
      expect(await ask(fwd.port)).toBe('pod-b');
      expect(lookups).toBe(2);
    });

    it('should forget the pod when the API server reports a failed dial, and drop a connection the lookup fails', async () => {
      let current = 'pod-a';
      onStream = (ws, pod) => {
        if (pod === 'pod-a') ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('error forwarding port 2375 to pod pod-a: failed to find sandbox')]));
        else answerPodName(ws, pod);
      };
      let fail = false;
      await using fwd = await forwardPort(kc, {
        namespace: 'ns',
        pod: async () => {
          if (fail) throw new Error('no ready pod of the host');
          return current;
        },
        port: 2375,
      });
      await expect(ask(fwd.port)).rejects.toThrow('closed without a reply');
      expect(fwd.lastError).toContain('failed to find sandbox');
      current = 'pod-b';
      expect(await ask(fwd.port)).toBe('pod-b');

      gonePods.add('pod-b');
      fail = true;
      await expect(ask(fwd.port)).rejects.toThrow('closed without a reply');
      expect(fwd.lastError).toBe('no ready pod of the host');
      fail = false;
      current = 'pod-c';
      expect(await ask(fwd.port)).toBe('pod-c'); // a failed lookup is not remembered
    });
  });
});
