import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { labelOfHost } from '@preevy/tunnel-protocol';
import { parseRequestHead } from './http-head.js';
import type { Limits } from './limits.js';
import type { Metrics } from './metrics.js';
import { rawResponse } from './pages.js';
import { relay } from './relay.js';
import { RequestFramer } from './request-framer.js';
import type { TunnelRegistry } from './tunnel-registry.js';
import { channelOrStatus, reserveConnection } from './visitor-channel.js';

export interface HttpFrontOptions {
  registry: TunnelRegistry;
  baseHost: string;
  /** Serves everything that is not a public tunnel: private tunnels, index pages, 404s. */
  app: HttpServer;
  /** Whether visitors reach this front over TLS (for X-Forwarded-Proto). */
  secure: boolean;
  limits: Limits;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The visitor-facing front. It reads the first request head of a connection; for a public tunnel
 * it then relays bytes over one SSH channel, following request framing only to check and rewrite
 * each request head (keep-alive, streaming, uploads and WebSocket upgrades pass untouched
 * otherwise: no re-serialisation, which halves throughput). Anything else is handed, bytes
 * intact, to the HTTP app.
 */
export const createHttpFront = ({ registry, baseHost, app, secure, limits, metrics, logger }: HttpFrontOptions) => {
  const refuse = (socket: Socket, status: number, reason: string, why: string, body?: string): void => {
    metrics.refused.inc({ reason: why });
    socket.end(rawResponse(status, reason, body));
  };

  const handOver = (socket: Socket, buffered: Buffer): void => {
    metrics.visitorConnectionsTotal.inc({ path: 'http' });
    socket.unshift(buffered);
    app.emit('connection', socket);
    socket.resume();
  };

  return {
    handleSocket(socket: Socket): void {
      socket.setNoDelay(true);
      let buffered: Buffer = Buffer.alloc(0);
      const headerTimer = setTimeout(() => {
        socket.removeListener('data', onData);
        refuse(socket, 408, 'Request Timeout', 'header-timeout');
        socket.destroySoon();
      }, limits.headerTimeoutMs);
      // Half-open sockets are allowed for the relay; a visitor gone before its head is done is just gone.
      const onEarlyEnd = (): void => void socket.destroy();
      const stop = (): void => {
        clearTimeout(headerTimer);
        socket.removeListener('data', onData);
        socket.removeListener('end', onEarlyEnd);
        socket.pause();
      };
      const onData = (chunk: Buffer): void => {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        const parsed = parseRequestHead(buffered, limits.maxHeaderBytes);
        if (parsed.kind === 'incomplete') return;
        stop();
        if (parsed.kind === 'too-large') return refuse(socket, 431, 'Request Header Fields Too Large', 'header-too-large');
        if (parsed.kind === 'malformed') return refuse(socket, 400, 'Bad Request', 'malformed-request');
        const label = labelOfHost(parsed.head.host, baseHost);
        const tunnel = label === undefined ? undefined : registry.get(label);
        if (!tunnel || tunnel.access !== 'public') return handOver(socket, buffered);
        // The framer checks this first request (and every later one) before anything reaches the agent.
        const framer = new RequestFramer(limits.maxHeaderBytes, { address: socket.remoteAddress ?? '', proto: secure ? 'https' : 'http' });
        const first = framer.push(buffered, parsed);
        // Refused at once when nothing before the bad request is fit to serve; else those go first.
        if (first.error !== undefined && first.out.length === 0) return refuse(socket, 400, 'Bad Request', 'bad-request-framing', `400 Bad Request: ${first.error}\n`);
        const release = reserveConnection(tunnel, limits, metrics);
        if (!release) return refuse(socket, 503, 'Service Unavailable', 'tunnel-connection-limit');
        socket.once('close', release);

        metrics.visitorConnectionsTotal.inc({ path: 'raw' });
        const initial = first.out.length === 1 ? first.out[0]! : Buffer.concat(first.out);
        void channelOrStatus(tunnel, socket, { timeoutMs: limits.channelOpenTimeoutMs, release, logger }).then((channel) => {
          if (channel === 504) {
            const body = `504 Gateway Timeout: the environment's agent did not open a channel within ${limits.channelOpenTimeoutMs} ms\n`;
            return void (socket.destroyed || refuse(socket, 504, 'Gateway Timeout', 'channel-open-timeout', body));
          }
          if (channel === 502) return void (socket.destroyed || refuse(socket, 502, 'Bad Gateway', 'channel-open-failed'));
          relay(socket, channel, {
            metrics,
            release,
            idleTimeoutMs: limits.idleTimeoutMs,
            framer,
            requestTimeoutMs: limits.requestTimeoutMs,
            initial,
            ...(first.error === undefined ? {} : { refusedAfterInitial: first.error }),
          });
        });
      };
      socket.on('data', onData);
      socket.once('end', onEarlyEnd);
      socket.on('error', () => clearTimeout(headerTimer));
      socket.on('close', () => clearTimeout(headerTimer));
    },
  };
};
