import { runCommand } from './run-command.js';

export interface WrkResult {
  requests: number;
  reqPerSec: number;
  /** Latency percentiles in microseconds, from `--latency`. */
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx responses: must be 0. */
  errors: number;
}

const UNIT_US: Record<string, number> = { us: 1, ms: 1_000, s: 1_000_000, m: 60_000_000 };

const percentile = (out: string, p: number): number => {
  const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
  if (!m) throw new Error(`wrk output has no ${p}% line:\n${out}`);
  return Number(m[1]) * UNIT_US[m[2]!]!;
};

export const parseWrk = (out: string): WrkResult => {
  const requests = /(\d+) requests in/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!requests || !rps) throw new Error(`unexpected wrk output:\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = (sock ? sock.slice(1).reduce((a, n) => a + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requests: Number(requests[1]), reqPerSec: Number(rps[1]), p50: percentile(out, 50), p75: percentile(out, 75), p90: percentile(out, 90), p99: percentile(out, 99), errors };
};

/** One bounded wrk run against 127.0.0.1:port with the given Host header. */
export const wrk = async ({ port, host, connections, seconds, headers = [] }: { port: number; host: string; connections: number; seconds: number; headers?: string[] }): Promise<WrkResult> =>
  parseWrk(
    await runCommand('wrk', [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      '--timeout',
      '5s',
      '-H',
      `Host: ${host}`,
      ...headers.flatMap((h) => ['-H', h]),
      `http://127.0.0.1:${port}/`,
    ]),
  );
