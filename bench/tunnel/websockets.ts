import { WebSocket } from 'ws';
import { rssKb } from './proc-stats.js';

export interface WebSocketResult {
  opened: number;
  failed: number;
  openMs: number;
  rttP50Us: number;
  rttP99Us: number;
  /** RSS added per open WebSocket, KB, for each watched process (by name). */
  rssPerConnKb: Record<string, number>;
}

const BATCH = 50;

const open = (port: number, host: string): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { Host: host }, perMessageDeflate: false, handshakeTimeout: 10_000 });
    ws.once('open', () => resolve(ws)).once('error', reject);
  });

const echo = (ws: WebSocket, payload: Buffer): Promise<void> =>
  new Promise((resolve) => {
    ws.once('message', () => resolve());
    ws.send(payload);
  });

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/**
 * Opens `count` WebSockets in batches of 50 and keeps them all open, reads the RSS each watched
 * process gained, then times `roundTrips` serial echoes spread over the open sockets.
 */
export const webSocketLoad = async ({
  port,
  host,
  count,
  roundTrips,
  watch,
  settle,
}: {
  port: number;
  host: string;
  count: number;
  roundTrips: number;
  watch: Record<string, number>;
  settle: () => Promise<void>;
}): Promise<WebSocketResult> => {
  await settle();
  const before = Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, rssKb(pid)]));
  const sockets: WebSocket[] = [];
  let failed = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(BATCH, count - i) }, () => open(port, host)));
    for (const r of batch) {
      if (r.status === 'fulfilled') sockets.push(r.value);
      else failed += 1;
    }
  }
  const openMs = performance.now() - t0;
  await settle();
  const rssPerConnKb = Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, (rssKb(pid) - before[name]!) / Math.max(1, sockets.length)]));

  const payload = Buffer.alloc(32, 'e');
  const rtts: number[] = [];
  for (let i = 0; i < roundTrips && sockets.length; i++) {
    const t = performance.now();
    await echo(sockets[i % sockets.length]!, payload);
    rtts.push((performance.now() - t) * 1_000);
  }
  rtts.sort((a, b) => a - b);
  await Promise.all(sockets.map((ws) => new Promise((r) => (ws.once('close', r), ws.terminate()))));
  return { opened: sockets.length, failed, openMs, rttP50Us: percentile(rtts, 50), rttP99Us: percentile(rtts, 99), rssPerConnKb };
};
