import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** 12 bytes, as in the reference probe, so small-request numbers compare with it. */
const SMALL_BODY = Buffer.from('hello bench\n');

/**
 * The origin every path ends at (the same process for all paths, so ratios compare only the
 * path): `GET /` 12 bytes, `GET /big?n=` streams n bytes from one reused 64 KiB buffer honouring
 * backpressure, `POST /up` answers the byte count it received, and a WebSocket echo.
 */
export const startOrigin = async (): Promise<{ port: number }> => {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/big')) {
      const total = Number(new URL(req.url, 'http://o').searchParams.get('n') ?? 0);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': total });
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (req.url === '/up' && req.method === 'POST') {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ bytes })));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': SMALL_BODY.length }).end(SMALL_BODY);
  });
  server.keepAliveTimeout = 60_000;
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port };
};
