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
  let onStream: (ws: WebSocket) => void;
  let forward: LocalPortForward;
  const clients: Socket[] = [];

  beforeEach(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'v4.channel.k8s.io' });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.send(portFrame(0, 2375));
      ws.send(portFrame(1, 2375));
      onStream(ws);
    });
    const kc = new KubeConfig();
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
});
