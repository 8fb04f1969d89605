import { lookup as dnsLookup } from 'node:dns';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

/**
 * `*.localhost` names are loopback by definition (RFC 6761) and browsers treat them so, but the
 * system resolver often does not: resolve them here so the probe sees what a browser sees.
 */
const lookup: LookupFunction = (hostname, options, cb) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) return cb(null, [{ address: '127.0.0.1', family: 4 }]);
    return cb(null, '127.0.0.1', 4);
  }
  dnsLookup(hostname, options, cb);
};

/** One GET of `url`; resolves with the status (0 when nothing answered), never throws. */
export const probeUrl = (url: string, { timeoutMs = 5_000, headers = {} }: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<number> =>
  new Promise((resolve) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : request)(u, { method: 'GET', headers, lookup, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy()).on('error', () => resolve(0)).end();
  });
