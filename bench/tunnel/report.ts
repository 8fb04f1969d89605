import type { PathName, PerPath, Results, TransferRuns, WrkRun } from './scenarios.js';
import type { WebSocketResult } from './websockets.js';

/** The issue's targets: each is checked against the tunnel's numbers of the same run. */
export interface TargetCheck {
  id: string;
  target: string;
  measured: string;
  pass: boolean;
}

/** A path's column: which path, under which heading. */
export interface Column {
  path: PathName;
  title: string;
}

/** Ratio columns `numerator/denominator`, each printed when both paths ran. */
const RATIOS: ReadonlyArray<readonly [PathName, PathName]> = [
  ['tunnel', 'direct'],
  ['tunnel', 'floor'],
  ['openssh', 'floor'],
  ['tunnel', 'before'],
];

/** Paths whose figures are quoted beside the tunnel's in a target line (they are not held to it). */
const ALSO_SHOWN: readonly PathName[] = ['before', 'openssh'];

/** One table row: a cell per path, and the numbers ratios are taken of (none: no ratio). */
interface Row {
  metric: string;
  cells: PerPath<string>;
  values?: PerPath<number>;
  target?: string;
}

const us = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : v >= 1_000 ? `${(v / 1000).toFixed(2)} ms` : `${Math.round(v)} µs`);
const num = (v: number | undefined, digits = 0): string => (v === undefined || Number.isNaN(v) ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || !b ? '' : `${(a / b).toFixed(2)}×`);
const signedUs = (v: number): string => (v < 0 ? `−${us(-v)}` : `+${us(v)}`);

const entries = <T>(per: PerPath<T>): Array<[PathName, T]> => Object.entries(per) as Array<[PathName, T]>;

/** A row from per-path results; `cell` may leave a path blank (e.g. path CPU for direct, which has no hop). */
const row = <T>(metric: string, per: PerPath<T>, cell: (x: T, p: PathName) => string, value?: (x: T, p: PathName) => number | undefined, target?: string): Row => ({
  metric,
  cells: Object.fromEntries(entries(per).map(([p, x]) => [p, cell(x, p)])),
  ...(value ? { values: Object.fromEntries(entries(per).map(([p, x]) => [p, value(x, p)])) } : {}),
  ...(target ? { target } : {}),
});

/** Collects every measurement that breaks validity: wrk errors, wrong byte counts, failed WebSockets. */
export const invalidRuns = (r: Results): string[] => {
  const out: string[] = [];
  const wrks: Array<[string, PerPath<WrkRun>]> = [
    ['S1', r.s1KeepAlive],
    ['S2', r.s2Serial],
    ['S3', r.s3NewConnection],
    ['S7 alone', r.s7Alone],
    ['S7 under bulk', r.s7UnderBulk],
    ['S7 under paced bulk', r.s7UnderPacedBulk],
  ];
  for (const [id, per] of wrks) for (const [p, w] of entries(per)) if (w.errors > 0) out.push(`${id} ${p}: ${w.errors} socket errors or non-2xx`);
  const transfers: Array<[string, PerPath<TransferRuns>]> = [
    ['S4', r.s4Download],
    ['S5', r.s5Upload],
  ];
  for (const [id, per] of transfers) for (const [p, t] of entries(per)) if (!t.valid) out.push(`${id} ${p}: ${t.runs.map((x) => x.detail).join('; ')}`);
  for (const [p, w] of entries(r.s6WebSockets)) if (w.failed > 0) out.push(`S6 ${p}: ${w.failed} WebSockets failed to open`);
  return out;
};

/** `f(path) / f(base)` for every path that ran beside `base`. */
const against = <T>(per: PerPath<T>, f: (x: T) => number, base: PathName): PerPath<number> => {
  const b = per[base];
  return b ? Object.fromEntries(entries(per).map(([p, x]) => [p, f(x) / f(b)])) : {};
};

/** The tunnel's figure, then the other server builds' and clients' in brackets. */
const quote = (per: PerPath<number>, show: (v: number) => string): string => {
  const others = ALSO_SHOWN.filter((p) => per[p] !== undefined).map((p) => `${p} ${show(per[p]!)}`);
  return `${show(per.tunnel!)}${others.length ? ` (${others.join(', ')})` : ''}`;
};

/** Checks the targets whose scenarios ran (`BENCH_ONLY` may leave some out). Only the tunnel is held to them. */
export const checkTargets = (r: Results): TargetCheck[] => {
  const checks: TargetCheck[] = [];
  const times = (v: number): string => `${v.toFixed(2)}×`;
  const atLeast = (id: string, target: string, per: PerPath<number>, min: number): void => {
    if (per.tunnel !== undefined) checks.push({ id, target, measured: quote(per, times), pass: per.tunnel >= min });
  };
  const rps = (w: WrkRun): number => w.reqPerSec;
  const mbps = (t: TransferRuns): number => t.medianMbPerSec;

  atLeast('S1', 'keep-alive req/s ≥ 0.95× node floor', against(r.s1KeepAlive, rps, 'floor'), 0.95);
  atLeast('S1', 'keep-alive req/s ≥ 0.5× direct (earlier target)', against(r.s1KeepAlive, rps, 'direct'), 0.5);
  const direct2 = r.s2Serial.direct;
  if (r.s2Serial.tunnel && direct2) {
    const added: PerPath<number> = Object.fromEntries(entries(r.s2Serial).map(([p, w]) => [p, w.p50 - direct2.p50]));
    checks.push({ id: 'S2', target: 'serial added p50 ≤ +100 µs over direct', measured: quote(added, signedUs), pass: added.tunnel! <= 100 });
  }
  atLeast('S3', '`Connection: close` req/s ≥ 0.8× node floor', against(r.s3NewConnection, rps, 'floor'), 0.8);
  // Nagle meeting delayed ACKs shows as a mode near 40 ms; p90 under 30 ms rules it out.
  const s3p90: PerPath<number> = Object.fromEntries(entries(r.s3NewConnection).map(([p, w]) => [p, w.p90]));
  if (s3p90.tunnel !== undefined) checks.push({ id: 'S3', target: 'no ~40 ms (Nagle) mode: p90 < 30 ms', measured: quote(s3p90, us), pass: s3p90.tunnel < 30_000 });
  atLeast('S4', 'bulk download ≥ 0.8× node floor', against(r.s4Download, mbps, 'floor'), 0.8);
  atLeast('S4', 'bulk download ≥ 0.35× direct (earlier target)', against(r.s4Download, mbps, 'direct'), 0.35);
  atLeast('S5', 'bulk upload ≥ 0.8× node floor', against(r.s5Upload, mbps, 'floor'), 0.8);
  const p50 = (per: PerPath<WrkRun>): PerPath<number> => Object.fromEntries(entries(per).map(([p, w]) => [p, w.p50]));
  const s7 = p50(r.s7UnderBulk);
  if (s7.tunnel !== undefined) checks.push({ id: 'S7', target: 'small-request p50 under bulk ≤ 2 ms', measured: quote(s7, us), pass: s7.tunnel <= 2_000 });
  const paced = p50(r.s7UnderPacedBulk);
  if (paced.tunnel !== undefined) checks.push({ id: 'S7', target: 'same, bulk paced at 50 MB/s (informative)', measured: quote(paced, us), pass: paced.tunnel <= 2_000 });
  return checks;
};

const hop = <T>(f: (x: T) => string) => (x: T, p: PathName): string => (p === 'direct' ? '' : f(x));
const hopValue = <T>(f: (x: T) => number) => (x: T, p: PathName): number | undefined => (p === 'direct' ? undefined : f(x));

const wrkRows = (id: string, per: PerPath<WrkRun>, opts: { rps?: boolean; rpsTarget?: string; p50Target?: string; added?: string; p90?: boolean } = {}): Row[] => {
  const d = per.direct;
  const rows: Row[] = [];
  if (opts.rps !== false) rows.push(row(`${id} req/s`, per, (w) => num(w.reqPerSec), (w) => w.reqPerSec, opts.rpsTarget));
  rows.push(row(`${id} p50 / p99`, per, (w) => `${us(w.p50)} / ${us(w.p99)}`, (w) => w.p50, opts.p50Target));
  if (opts.p90) rows.push(row(`${id} p75 / p90`, per, (w) => `${us(w.p75)} / ${us(w.p90)}`, (w) => w.p90, 'p90 < 30 ms'));
  if (opts.added && d) rows.push(row(`${id} added p50 / p99`, per, hop((w) => `${signedUs(w.p50 - d.p50)} / ${signedUs(w.p99 - d.p99)}`), undefined, opts.added));
  rows.push(row(`${id} path CPU per request`, per, hop((w) => us(w.cpuUsPerRequest)), hopValue((w) => w.cpuUsPerRequest)));
  return rows;
};

const transferRows = (id: string, per: PerPath<TransferRuns>, target?: string): Row[] => [
  row(`${id} MB/s median (runs)`, per, (x) => `${num(x.medianMbPerSec)} (${x.runs.map((t) => num(t.mbPerSec)).join('/')})`, (x) => x.medianMbPerSec, target),
  row(`${id} path CPU-s per GB`, per, hop((x) => num(x.cpuSecPerGb, 2)), hopValue((x) => x.cpuSecPerGb)),
  row(`${id} peak RSS growth`, per, hop((x) => Object.entries(x.rssGrowthKb).map(([n, kb]) => `${n} +${num(kb / 1024, 1)} MB`).join(', '))),
];

const wsRows = (per: PerPath<WebSocketResult>): Row[] => [
  row('S6 open N WebSockets', per, (x) => `${num(x.openMs / 1000, 2)} s (${x.opened} ok, ${x.failed} failed)`, (x) => x.openMs),
  row('S6 echo RTT p50 / p99', per, (x) => `${us(x.rttP50Us)} / ${us(x.rttP99Us)}`, (x) => x.rttP50Us),
  row('S6 RSS per open WebSocket', per, hop((x) => Object.entries(x.rssPerConnKb).map(([n, kb]) => `${n} ${num(kb, 1)} KB`).join(', '))),
];

/**
 * The printed table: one row per metric, the paths side by side, then the ratios (time and CPU
 * ratios: lower is better; throughput ratios: higher is better), then the targets and the footer.
 */
export const formatTable = (r: Results, columns: Column[], checks: TargetCheck[], invalid: string[], footer: string[]): string => {
  const ran = new Set(columns.map((c) => c.path));
  const ratios = RATIOS.filter(([a, b]) => ran.has(a) && ran.has(b));
  const body: Row[] = [
    ...wrkRows('S1 keep-alive c50', r.s1KeepAlive, { rpsTarget: '≥ 0.95× floor' }),
    ...wrkRows('S2 serial c1', r.s2Serial, { rps: false, added: '≤ +100 µs p50' }),
    ...wrkRows('S3 Connection: close c20', r.s3NewConnection, { p90: true, rpsTarget: '≥ 0.80× floor' }),
    ...transferRows('S4 download', r.s4Download, '≥ 0.80× floor'),
    ...transferRows('S5 upload', r.s5Upload, '≥ 0.80× floor'),
    ...wsRows(r.s6WebSockets),
    ...wrkRows('S7 c10 alone', r.s7Alone),
    ...wrkRows('S7 c10 under bulk', r.s7UnderBulk, { p50Target: '≤ 2 ms' }),
    ...wrkRows('S7 c10 under 50 MB/s bulk', r.s7UnderPacedBulk),
  ];
  const rows: string[][] = [
    ['metric', ...columns.map((c) => c.title), ...ratios.map(([a, b]) => `${a}/${b}`), 'target'],
    ...body.filter((x) => Object.keys(x.cells).length > 0).map((x) => [x.metric, ...columns.map((c) => x.cells[c.path] ?? '-'), ...ratios.map(([a, b]) => ratio(x.values?.[a], x.values?.[b])), x.target ?? '']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((cells) => [...cells[i]!].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
  const out = [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line), ''];
  out.push('targets (the tunnel column is held to them; before/openssh figures in brackets):');
  for (const c of checks) out.push(`  ${c.pass ? 'PASS' : 'MISS'}  ${c.id}  ${c.target}: ${c.measured}`);
  out.push(invalid.length ? `INVALID RUN (${invalid.length}):` : 'valid: 0 socket errors, 0 non-2xx, exact byte counts, every WebSocket opened');
  for (const i of invalid) out.push(`  ${i}`);
  out.push(...footer);
  return out.join('\n');
};
