import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Duplex } from 'node:stream';
import type { Limits } from './limits.js';
import type { Metrics } from './metrics.js';
import type { Tunnel } from './tunnel-registry.js';

/** Gives a reserved visitor slot back; calling it again does nothing. */
export type Release = () => void;

/**
 * Takes one of the tunnel's visitor slots, from before the channel is asked for until the visitor
 * is done, so connections waiting on a slow agent count too. Undefined when the tunnel is full.
 * Every path (public relay, private request, upgrade) goes through here.
 */
export const reserveConnection = (tunnel: Tunnel, limits: Limits, metrics: Metrics): Release | undefined => {
  if (tunnel.activeConnections >= limits.connectionsPerTunnel) {
    metrics.refused.inc({ reason: 'tunnel-connection-limit' });
    return undefined;
  }
  tunnel.activeConnections += 1;
  metrics.visitorConnections.inc();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    tunnel.activeConnections -= 1;
    metrics.visitorConnections.dec();
  };
};

export class ChannelOpenTimeout extends Error {
  override readonly name = 'ChannelOpenTimeout';
}

/**
 * Asks the agent for a channel and gives up after `timeoutMs`. A channel that arrives after the
 * deadline is closed at once, so an agent that confirms late leaks nothing.
 */
export const openChannelWithin = (tunnel: Tunnel, visitor: Socket, timeoutMs: number): Promise<Duplex> =>
  new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new ChannelOpenTimeout(`the agent did not open a channel within ${timeoutMs} ms`));
    }, timeoutMs);
    tunnel.owner.openChannel(tunnel, { address: visitor.remoteAddress ?? '', port: visitor.remotePort ?? 0 }).then(
      (channel) => {
        clearTimeout(timer);
        if (settled || visitor.destroyed) {
          channel.destroy();
          if (!settled) reject(new Error('the visitor left before the channel opened'));
        } else resolve(channel);
        settled = true;
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!settled) reject(err instanceof Error ? err : new Error(String(err)));
        settled = true;
      },
    );
  });

/**
 * A channel for one visitor, or the status to answer instead: 504 when the agent did not open it
 * in time, 502 when it refused. On failure the visitor's slot is released and the reason logged.
 */
export const channelOrStatus = async (
  tunnel: Tunnel,
  visitor: Socket,
  { timeoutMs, release, logger }: { timeoutMs: number; release: Release; logger: Pick<Logger, 'info'> },
): Promise<Duplex | 502 | 504> => {
  try {
    return await openChannelWithin(tunnel, visitor, timeoutMs);
  } catch (err) {
    release();
    if (err instanceof ChannelOpenTimeout) {
      logger.info({ label: tunnel.label, timeoutMs }, 'agent did not open a channel in time');
      return 504;
    }
    logger.info({ label: tunnel.label, err: (err as Error).message }, 'agent refused a channel');
    return 502;
  }
};
