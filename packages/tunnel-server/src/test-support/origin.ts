import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** Deterministic bytes for large bodies: the same seed always gives the same stream. */
export const patternChunk = (size: number, seed: number): Buffer => {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};

export const patternDigest = (total: number, chunkSize = 64 * 1024): string => {
  const hash = createHash('sha256');
  const chunk = patternChunk(chunkSize, 7);
  for (let sent = 0; sent < total; sent += chunkSize) hash.update(chunk.subarray(0, Math.min(chunkSize, total - sent)));
  return hash.digest('hex');
};

export interface Origin extends AsyncDisposable {
  port: number;
  server: Server;
  /** Request line target and headers of every WebSocket upgrade the origin saw, oldest first. */
  upgrades: Array<{ url: string; headers: Record<string, string | string[] | undefined> }>;
}

/**
 * A real HTTP origin: `GET /` returns `name`, `GET /big?n=` streams n pattern bytes honouring
 * backpressure, `POST /up` answers the size and SHA-256 of what it received, `GET /headers`
 * echoes the request headers, `GET /set-cookie` sets a cookie on the shared base domain (what a
 * hostile tenant would do), `GET /slow?ms=` answers after a delay, and a WebSocket endpoint echoes
 * messages (recording each upgrade's target and headers).
 */
export const startOrigin = async (name: string): Promise<Origin> => {
  const upgrades: Origin['upgrades'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    if (url.pathname === '/set-cookie') {
      return void res.writeHead(200, { 'Set-Cookie': ['tossed=1; Domain=preevy.test; Path=/', 'own=2; Path=/; HttpOnly'] }).end('cookies set');
    }
    if (url.pathname === '/slow') {
      const timer = setTimeout(() => res.writeHead(200).end('slow done'), Number(url.searchParams.get('ms') ?? 1000));
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (url.pathname === '/big') {
      const total = Number(url.searchParams.get('n') ?? 0);
      const chunk = patternChunk(64 * 1024, 7);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': total });
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (url.pathname === '/up' && req.method === 'POST') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ bytes, sha256: hash.digest('hex') })));
      return;
    }
    if (url.pathname === '/headers') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.headers));
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(name);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers });
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = async (): Promise<void> => {
    for (const c of wss.clients) c.terminate();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return { port: (server.address() as AddressInfo).port, server, upgrades, [Symbol.asyncDispose]: close };
};
