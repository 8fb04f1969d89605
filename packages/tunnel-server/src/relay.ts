import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Metrics } from './metrics.js';
import { rawResponse } from './pages.js';
import type { RequestFramer } from './request-framer.js';
import type { Release } from './visitor-channel.js';

export interface RelayOptions {
  metrics: Metrics;
  /** Gives the tunnel's visitor slot back when the relay ends. */
  release: Release;
  idleTimeoutMs: number;
  /**
   * Follows the visitor's requests (public path): every head is checked and rewritten, and a
   * request whose body has not fully arrived after `requestTimeoutMs` ends the connection.
   */
  framer?: RequestFramer;
  requestTimeoutMs?: number;
  /** Bytes for the agent before the visitor's next ones, sent as they are (the caller framed them). */
  initial?: Buffer;
  /** The caller's framer already refused what follows `initial`: send it, then answer 400 and close. */
  refusedAfterInitial?: string;
}

/**
 * Relays bytes between a visitor socket (opened with allowHalfOpen) and an SSH channel until both
 * directions are done. The slower side pauses the faster one both ways, so no body is ever
 * buffered whole (toward the agent the channel itself also waits while the agent's SSH socket is
 * congested, see ssh-front.ts).
 *
 * Half-close: a visitor that ends its side (FIN after the request) must still get the response.
 * ssh2's server-side `end()` sends EOF *and* CLOSE, which would cut it off, so the visitor's FIN
 * becomes a bare channel EOF, sent once every byte before it has gone.
 *
 * A request the framer refuses stops the flow toward the agent; the responses to the requests
 * before it still arrive, then the visitor gets a 400 and the connection closes.
 */
export const relay = (socket: Socket, channel: Duplex & { eof?: () => void }, { metrics, release, idleTimeoutMs, framer, requestTimeoutMs, initial, refusedAfterInitial }: RelayOptions): void => {
  const startRead = socket.bytesRead;
  const startWritten = socket.bytesWritten;
  let done = false;
  let refused: string | undefined;
  let requestTimer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(requestTimer);
    release();
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
  const toAgent = (chunk: Buffer): void => {
    if (!channel.write(chunk)) {
      socket.pause();
      channel.once('drain', () => refused === undefined && socket.resume());
    }
  };
  const watchRequestTime = (): void => {
    if (!framer || requestTimeoutMs === undefined) return;
    if (framer.busy && !requestTimer) {
      requestTimer = setTimeout(() => {
        metrics.refused.inc({ reason: 'request-timeout' });
        abort();
      }, requestTimeoutMs);
    } else if (!framer.busy && requestTimer) {
      clearTimeout(requestTimer);
      requestTimer = undefined;
    }
  };
  const onData = (chunk: Buffer): void => {
    if (!framer) return toAgent(chunk);
    const res = framer.push(chunk);
    // One write per chunk, as without the framer: each write is an SSH packet of its own.
    if (res.out.length === 1) toAgent(res.out[0]!);
    else if (res.out.length > 1) toAgent(Buffer.concat(res.out));
    if (res.error !== undefined) refuse(res.error);
    watchRequestTime();
  };
  const refuse = (reason: string): void => {
    refused = reason;
    metrics.refused.inc({ reason: 'bad-request-framing' });
    socket.removeListener('data', onData);
    socket.pause();
    sendEof();
  };
  socket.setTimeout(idleTimeoutMs, abort);
  socket.on('error', abort).on('close', finish);
  socket.on('end', () => refused === undefined && sendEof());
  socket.on('data', onData);
  channel.on('error', abort);
  // The agent is done: end our side gracefully so queued response bytes still flush.
  const endVisitor = (): void => {
    if (socket.destroyed || socket.writableEnded) return;
    if (refused !== undefined) socket.end(rawResponse(400, 'Bad Request', `400 Bad Request: ${refused}\n`));
    else socket.end();
  };
  channel.on('end', endVisitor).on('close', endVisitor);
  channel.pipe(socket, { end: false });
  // Data events come on a later tick: the initial bytes still go first, and may pause the socket.
  socket.resume();
  if (initial?.length) toAgent(initial);
  if (refusedAfterInitial !== undefined) refuse(refusedAfterInitial);
  else watchRequestTime();
};
