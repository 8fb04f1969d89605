import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { labelOfHost } from '@preevy/tunnel-protocol';
import { parseRequestHead } from './http-head.js';
import type { Limits } from './limits.js';
import type { Metrics } from './metrics.js';
import { rawResponse } from './pages.js';
import { relay } from './relay.js';
import type { TunnelRegistry } from './tunnel-registry.js';

export interface HttpFrontOptions {
  registry: TunnelRegistry;
  baseHost: string;
  /** Serves everything that is not a public tunnel: private tunnels, index pages, 404s. */
  app: HttpServer;
  limits: Limits;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The visitor-facing front. It reads only the first request head of a connection; for a public
 * tunnel it then relays raw bytes over one SSH channel (keep-alive, streaming, uploads and
 * WebSocket upgrades all pass untouched: no re-serialisation, which halves throughput). Anything
 * else is handed, bytes intact, to the HTTP app.
 */
export const createHttpFront = ({ registry, baseHost, app, limits, metrics, logger }: HttpFrontOptions) => {
  const refuse = (socket: Socket, status: number, reason: string, why: string): void => {
    metrics.refused.inc({ reason: why });
    socket.end(rawResponse(status, reason));
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
      const stop = (): void => {
        clearTimeout(headerTimer);
        socket.removeListener('data', onData);
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
        if (tunnel.activeConnections >= limits.connectionsPerTunnel) return refuse(socket, 503, 'Service Unavailable', 'tunnel-connection-limit');

        metrics.visitorConnectionsTotal.inc({ path: 'raw' });
        const initial = buffered;
        tunnel.owner.openChannel(tunnel, { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 }).then(
          (channel) => {
            channel.write(initial);
            relay(socket, channel, { tunnel, metrics, idleTimeoutMs: limits.idleTimeoutMs });
            socket.resume();
          },
          (err: Error) => {
            logger.info({ label, err: err.message }, 'agent refused a channel');
            refuse(socket, 502, 'Bad Gateway', 'channel-open-failed');
          },
        );
      };
      socket.on('data', onData);
      socket.on('error', () => clearTimeout(headerTimer));
      socket.on('close', () => clearTimeout(headerTimer));
    },
  };
};
