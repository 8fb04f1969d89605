import { request } from 'node:http';

export interface PingOptions {
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/**
 * `GET /_ping` of a Docker engine on 127.0.0.1:port: resolves with true on `OK`, rejects with why
 * not. A fresh connection every time (no agent): a kept-alive one would outlive the pod it reached.
 */
export const pingDocker = (port: number, { timeoutMs = 5_000, signal }: PingOptions = {}): Promise<true> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/_ping', agent: false, timeout: timeoutMs, ...(signal && { signal }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        if (res.statusCode === 200 && body === 'OK') resolve(true);
        else reject(new Error(`GET /_ping answered ${res.statusCode}: ${body.slice(0, 200)}`));
      });
    });
    req.once('timeout', () => req.destroy(new Error(`GET /_ping did not answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
