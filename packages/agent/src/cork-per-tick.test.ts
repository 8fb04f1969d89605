import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { setImmediate as nextLoop } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { corkPerTick } from './cork-per-tick.js';

/** A connected loopback pair: what the corked side writes, the other side collects. */
const socketPair = async (): Promise<{ sock: Socket; received: () => Buffer; close: () => void }> => {
  const chunks: Buffer[] = [];
  const server = createServer((peer) => peer.on('data', (c: Buffer) => chunks.push(c)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const sock = connect({ host: '127.0.0.1', port });
  await once(sock, 'connect');
  return { sock, received: () => Buffer.concat(chunks), close: () => (sock.destroy(), server.close()) };
};

describe('corkPerTick', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('should hold small writes until the end of the tick, then send them all in order', async () => {
    const pair = await socketPair();
    close = pair.close;
    const sock = corkPerTick(pair.sock);
    sock.write(Buffer.from('one,'));
    sock.write(Buffer.from('two,'));
    expect(sock.writableCorked).toBe(1);
    expect(sock.writableLength).toBe(8);
    sock.write('three');
    await nextLoop();
    expect(sock.writableCorked).toBe(0);
    for (let i = 0; i < 50 && pair.received().length < 13; i++) await nextLoop();
    expect(pair.received().toString()).toBe('one,two,three');
  });

  it('should send a bulk write at once rather than hold it', async () => {
    const pair = await socketPair();
    close = pair.close;
    const sock = corkPerTick(pair.sock);
    sock.write(Buffer.alloc(32 * 1024, 1));
    expect(sock.writableCorked).toBe(0);
    // A small write after it starts a cork of its own.
    sock.write(Buffer.from('x'));
    expect(sock.writableCorked).toBe(1);
    for (let i = 0; i < 50 && pair.received().length < 32 * 1024 + 1; i++) await nextLoop();
    expect(pair.received().length).toBe(32 * 1024 + 1);
  });
});
