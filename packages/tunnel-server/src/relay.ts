import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Metrics } from './metrics.js';
import type { Tunnel } from './tunnel-registry.js';

/**
 * Relays bytes between a visitor socket (opened with allowHalfOpen) and an SSH channel until both
 * directions are done. Node's `pipe` pauses the faster side when the slower one's buffer is full,
 * so backpressure holds end to end and no body is ever buffered whole.
 *
 * Half-close: a visitor that ends its side (FIN after the request) must still get the response.
 * ssh2's server-side `end()` sends EOF *and* CLOSE, which would cut it off, so the visitor's FIN
 * becomes a bare channel EOF, sent once every byte before it has gone.
 */
export const relay = (socket: Socket, channel: Duplex & { eof?: () => void }, { tunnel, metrics, idleTimeoutMs }: { tunnel: Tunnel; metrics: Metrics; idleTimeoutMs: number }): void => {
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
    // Counted once at the end, from the socket's counters: nothing added on the hot path.
    metrics.bytes.inc({ direction: 'in' }, socket.bytesRead - startRead);
    metrics.bytes.inc({ direction: 'out' }, socket.bytesWritten - startWritten);
    channel.destroy();
  };
  const abort = (): void => {
    socket.destroy();
    finish();
  };
  const sendEof = (): void => {
    if (channel.writableLength > 0) return void channel.once('drain', sendEof);
    if (channel.eof) channel.eof();
    else channel.end();
  };
  socket.setTimeout(idleTimeoutMs, abort);
  socket.on('error', abort).on('close', finish);
  socket.on('end', sendEof);
  // The agent closed the channel: end our side gracefully so queued response bytes still flush.
  channel.on('error', abort).on('close', () => {
    if (!socket.destroyed && !socket.writableEnded) socket.end();
  });
  socket.pipe(channel, { end: false });
  channel.pipe(socket);
};
