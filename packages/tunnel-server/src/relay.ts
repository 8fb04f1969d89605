import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Metrics } from './metrics.js';
import type { Tunnel } from './tunnel-registry.js';

/**
 * Relays bytes between a visitor socket and an SSH channel until either side ends. Node's `pipe`
 * pauses the faster side when the slower one's buffer is full, so backpressure holds end to end
 * and no body is ever buffered whole.
 */
export const relay = (socket: Socket, channel: Duplex, { tunnel, metrics, idleTimeoutMs }: { tunnel: Tunnel; metrics: Metrics; idleTimeoutMs: number }): void => {
  tunnel.activeConnections += 1;
  metrics.visitorConnections.inc();
  const startRead = socket.bytesRead;
  const startWritten = socket.bytesWritten;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    tunnel.activeConnections -= 1;
    metrics.visitorConnections.dec();
    // Counted once at the end, from the kernel-side counters: nothing added on the hot path.
    metrics.bytes.inc({ direction: 'in' }, socket.bytesRead - startRead);
    metrics.bytes.inc({ direction: 'out' }, socket.bytesWritten - startWritten);
    socket.destroy();
    channel.destroy();
  };
  socket.setTimeout(idleTimeoutMs, finish);
  socket.on('error', finish).on('close', finish);
  channel.on('error', finish).on('close', finish);
  socket.pipe(channel);
  channel.pipe(socket);
};
