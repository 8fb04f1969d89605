import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { backgroundDownload, download, upload, type Transfer } from './curl-transfer.js';
import { measureCpu, measureRssGrowth } from './proc-stats.js';
import { webSocketLoad, type WebSocketResult } from './websockets.js';
import { wrk, type WrkResult } from './wrk.js';

/**
 * `tunnel`: our server and the real agent; `before`: the same agent against the server built from
 * `BENCH_BASELINE_REF`; `openssh`: our server with a stock `ssh -R` client instead of the agent.
 */
export type PathName = 'direct' | 'floor' | 'tunnel' | 'before' | 'openssh';

/** One way to reach the origin; `pids` are the processes in between (none when direct). */
export interface BenchPath {
  name: PathName;
  port: number;
  host: string;
  pids: Record<string, number>;
  /** Full GC in those processes, so RSS deltas count live memory. */
  gc: () => Promise<void>;
}

export interface Settings {
  seconds: number;
  warmupSeconds: number;
  transferBytes: number;
  transferRuns: number;
  webSockets: number;
  uploadFile: string;
  /** Scenario ids to run (`S1`...`S7`); all when undefined. For quick prototype comparisons. */
  only?: ReadonlySet<string>;
}

export type PerPath<T> = Partial<Record<PathName, T>>;
export type WrkRun = WrkResult & { cpuUsPerRequest: number };
export type TransferRuns = { runs: Transfer[]; medianMbPerSec: number; valid: boolean; cpuSecPerGb: number; rssGrowthKb: Record<string, number> };

export interface Results {
  s1KeepAlive: PerPath<WrkRun>;
  s2Serial: PerPath<WrkRun>;
  s3NewConnection: PerPath<WrkRun>;
  s4Download: PerPath<TransferRuns>;
  s5Upload: PerPath<TransferRuns>;
  s6WebSockets: PerPath<WebSocketResult>;
  s7Alone: PerPath<WrkRun>;
  s7UnderBulk: PerPath<WrkRun>;
  s7UnderPacedBulk: PerPath<WrkRun>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** A measured wrk run with a short warm-up first, and the CPU the in-between processes spent per request. */
const wrkRun = async (path: BenchPath, s: Settings, connections: number, headers: string[] = []): Promise<WrkRun> => {
  await wrk({ port: path.port, host: path.host, connections, seconds: s.warmupSeconds, headers });
  const { result, cpuUs } = await measureCpu(Object.values(path.pids), () => wrk({ port: path.port, host: path.host, connections, seconds: s.seconds, headers }));
  return { ...result, cpuUsPerRequest: cpuUs / Math.max(1, result.requests) };
};

const transferRuns = async (path: BenchPath, s: Settings, once: () => Promise<Transfer>): Promise<TransferRuns> => {
  const pids = Object.values(path.pids);
  await once(); // warm-up: the first transfer pays for buffer growth and JIT
  const { result, cpuUs } = await measureCpu(pids, () =>
    measureRssGrowth(pids, async () => {
      const runs: Transfer[] = [];
      for (let i = 0; i < s.transferRuns; i++) runs.push(await once());
      return runs;
    }),
  );
  const runs = result.result;
  return {
    runs,
    medianMbPerSec: median(runs.map((r) => r.mbPerSec)),
    valid: runs.every((r) => r.valid),
    cpuSecPerGb: cpuUs / 1e6 / ((s.transferBytes * s.transferRuns) / 1e9),
    rssGrowthKb: Object.fromEntries(Object.keys(path.pids).map((name, i) => [name, result.growthKb[i]!])),
  };
};

/** Small requests at -c10 while one endless download runs over the same path (for the tunnel: the same SSH connection). */
const underBulk = async (path: BenchPath, s: Settings, limitRate?: string): Promise<WrkRun> => {
  const abort = new AbortController();
  const bulk = backgroundDownload(path.port, path.host, abort.signal, limitRate).catch(() => '');
  await sleep(1_000); // let the bulk stream fill every buffer on the way first
  try {
    const { result, cpuUs } = await measureCpu(Object.values(path.pids), () => wrk({ port: path.port, host: path.host, connections: 10, seconds: s.seconds }));
    return { ...result, cpuUsPerRequest: cpuUs / Math.max(1, result.requests) };
  } finally {
    abort.abort();
    await bulk;
  }
};

/** Runs S1-S7, each over every path back to back, so every ratio has a denominator from the same minute. */
export const runScenarios = async (paths: BenchPath[], s: Settings, log: (line: string) => void): Promise<Results> => {
  const r: Results = { s1KeepAlive: {}, s2Serial: {}, s3NewConnection: {}, s4Download: {}, s5Upload: {}, s6WebSockets: {}, s7Alone: {}, s7UnderBulk: {}, s7UnderPacedBulk: {} };
  writeFileSync(s.uploadFile, Buffer.alloc(s.transferBytes, 'u'));
  const each = async <T>(label: string, target: PerPath<T>, fn: (p: BenchPath) => Promise<T>): Promise<void> => {
    if (s.only && !s.only.has(label.split(' ')[0]!)) return;
    for (const p of paths) {
      log(`${label}: ${p.name}`);
      target[p.name] = await fn(p);
    }
  };
  await each('S1 keep-alive', r.s1KeepAlive, (p) => wrkRun(p, s, 50));
  await each('S2 serial', r.s2Serial, (p) => wrkRun(p, s, 1));
  await each('S3 new connection', r.s3NewConnection, (p) => wrkRun(p, s, 20, ['Connection: close']));
  await each('S4 download', r.s4Download, (p) => transferRuns(p, s, () => download(p.port, p.host, s.transferBytes)));
  await each('S5 upload', r.s5Upload, (p) => transferRuns(p, s, () => upload(p.port, p.host, s.uploadFile, s.transferBytes)));
  await each('S6 websockets', r.s6WebSockets, (p) => webSocketLoad({ port: p.port, host: p.host, count: s.webSockets, roundTrips: 2_000, watch: p.pids, settle: p.gc }));
  await each('S7 alone', r.s7Alone, (p) => wrkRun(p, s, 10));
  await each('S7 under bulk', r.s7UnderBulk, (p) => underBulk(p, s));
  // An unpaced bulk stream saturates both cores here (even the direct path suffers); paced at a
  // realistic uplink (50 MB/s) it shows what sharing the SSH connection itself costs.
  await each('S7 under paced bulk', r.s7UnderPacedBulk, (p) => underBulk(p, s, '50M'));
  return r;
};
