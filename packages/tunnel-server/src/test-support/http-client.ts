import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request to 127.0.0.1:port with an explicit Host header (tunnel names do not resolve here). */
export const requestVia = (
  port: number,
  { host, path = '/', method = 'GET', headers = {}, body }: { host: string; path?: string; method?: string; headers?: Record<string, string>; body?: Buffer | Readable },
): Promise<TestResponse> =>
  new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { Host: host, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body && 'pipe' in body) body.pipe(req);
    else req.end(body);
  });

/** Streams a response and returns its size and SHA-256 without holding it in memory. */
export const downloadDigest = (port: number, host: string, path: string): Promise<{ status: number; bytes: number; sha256: string }> =>
  new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }));
      res.on('error', reject);
    });
    req.on('error', reject).end();
  });
