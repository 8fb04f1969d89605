import type { PathName, Results, TransferRuns, WrkRun } from './scenarios.js';
import type { WebSocketResult } from './websockets.js';

/** The targets: each is checked against the tunnel's numbers of the same run. */
export interface TargetCheck {
  id: string;
  target: string;
  measured: string;
  pass: boolean;
}

type Row = [metric: string, direct: string, floor: string, tunnel: string, ratio: string, target: string];

const us = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : v >= 1_000 ? `${(v / 1000).toFixed(2)} ms` : `${Math.round(v)} µs`);
const num = (v: number | undefined, digits = 0): string => (v === undefined || Number.isNaN(v) ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || !b ? '-' : `${(a / b).toFixed(2)}×`);

/** Collects every measurement that breaks validity: wrk errors, wrong byte counts, failed WebSockets. */
export const invalidRuns = (r: Results): string[] => {
  const out: string[] = [];
  const wrks: Array<[string, Partial<Record<PathName, WrkRun>>]> = [
    ['S1', r.s1KeepAlive],
    ['S2', r.s2Serial],
    ['S3', r.s3NewConnection],
    ['S7 alone', r.s7Alone],
    ['S7 under bulk', r.s7UnderBulk],
    ['S7 under paced bulk', r.s7UnderPacedBulk],
  ];
  for (const [id, per] of wrks) for (const [p, w] of Object.entries(per)) if (w.errors > 0) out.push(`${id} ${p}: ${w.errors} socket errors or non-2xx`);
  const transfers: Array<[string, Partial<Record<PathName, TransferRuns>>]> = [
    ['S4', r.s4Download],
    ['S5', r.s5Upload],
  ];
  for (const [id, per] of transfers) for (const [p, t] of Object.entries(per)) if (!t.valid) out.push(`${id} ${p}: ${t.runs.map((x) => x.detail).join('; ')}`);
  for (const [p, w] of Object.entries(r.s6WebSockets)) if (w.failed > 0) out.push(`S6 ${p}: ${w.failed} WebSockets failed to open`);
  return out;
};

/** Checks the targets whose scenarios ran (`BENCH_ONLY` may leave some out). */
export const checkTargets = (r: Results): TargetCheck[] => {
  const checks: TargetCheck[] = [];
  const { s1KeepAlive: s1, s2Serial: s2, s3NewConnection: s3, s4Download: s4, s7UnderBulk: s7 } = r;
  if (s1.tunnel && s1.direct) {
    const x = s1.tunnel.reqPerSec / s1.direct.reqPerSec;
    checks.push({ id: 'S1', target: 'keep-alive req/s ≥ 0.5× direct', measured: `${x.toFixed(2)}×`, pass: x >= 0.5 });
  }
  if (s2.tunnel && s2.direct) {
    const added = s2.tunnel.p50 - s2.direct.p50;
    checks.push({ id: 'S2', target: 'added p50 ≤ 150 µs', measured: `+${Math.round(added)} µs`, pass: added <= 150 });
  }
  // Nagle meeting delayed ACKs shows as a mode near 40 ms; p90 under 30 ms rules it out.
  if (s3.tunnel) checks.push({ id: 'S3', target: 'no ~40 ms (Nagle) mode: p90 < 30 ms', measured: us(s3.tunnel.p90), pass: s3.tunnel.p90 < 30_000 });
  if (s4.tunnel && s4.direct) {
    const x = s4.tunnel.medianMbPerSec / s4.direct.medianMbPerSec;
    checks.push({ id: 'S4', target: 'bulk download ≥ 0.35× direct', measured: `${x.toFixed(2)}×`, pass: x >= 0.35 });
  }
  if (s7.tunnel) checks.push({ id: 'S7', target: 'small-request p50 under bulk ≤ 2 ms', measured: us(s7.tunnel.p50), pass: s7.tunnel.p50 <= 2_000 });
  const paced = r.s7UnderPacedBulk.tunnel;
  if (paced) checks.push({ id: 'S7', target: 'same, bulk paced at 50 MB/s (informative)', measured: us(paced.p50), pass: paced.p50 <= 2_000 });
  return checks;
};

const wrkRows = (id: string, per: Partial<Record<PathName, WrkRun>>, opts: { rps?: boolean; rpsTarget?: string; p50Target?: string; added?: boolean; p90?: boolean } = {}): Row[] => {
  const d = per.direct;
  const f = per.floor;
  const t = per.tunnel;
  const added = (x: WrkRun | undefined): string => `+${us((x?.p50 ?? NaN) - (d?.p50 ?? NaN))} / +${us((x?.p99 ?? NaN) - (d?.p99 ?? NaN))}`;
  const rows: Row[] = [];
  if (opts.rps !== false) rows.push([`${id} req/s`, num(d?.reqPerSec), num(f?.reqPerSec), num(t?.reqPerSec), ratio(t?.reqPerSec, d?.reqPerSec), opts.rpsTarget ?? '']);
  rows.push([`${id} p50 / p99`, `${us(d?.p50)} / ${us(d?.p99)}`, `${us(f?.p50)} / ${us(f?.p99)}`, `${us(t?.p50)} / ${us(t?.p99)}`, ratio(t?.p50, d?.p50), opts.p50Target ?? '']);
  if (opts.p90) rows.push([`${id} p75 / p90`, `${us(d?.p75)} / ${us(d?.p90)}`, `${us(f?.p75)} / ${us(f?.p90)}`, `${us(t?.p75)} / ${us(t?.p90)}`, ratio(t?.p90, d?.p90), 'p90 < 30 ms']);
  if (opts.added) rows.push([`${id} added p50 / p99`, '', added(f), added(t), '', '≤ +150 µs p50']);
  rows.push([`${id} path CPU per request`, '', us(f?.cpuUsPerRequest), us(t?.cpuUsPerRequest), '', '']);
  return rows;
};

const transferRows = (id: string, per: Partial<Record<PathName, TransferRuns>>, target = ''): Row[] => {
  const runs = (x: TransferRuns | undefined): string => (x ? `${num(x.medianMbPerSec)} (${x.runs.map((r) => num(r.mbPerSec)).join('/')})` : '-');
  const growth = (x: TransferRuns | undefined): string => (x ? Object.entries(x.rssGrowthKb).map(([n, kb]) => `${n} +${num(kb / 1024, 1)} MB`).join(', ') : '-');
  return [
    [`${id} MB/s median (runs)`, runs(per.direct), runs(per.floor), runs(per.tunnel), ratio(per.tunnel?.medianMbPerSec, per.direct?.medianMbPerSec), target],
    [`${id} path CPU-s per GB`, '', num(per.floor?.cpuSecPerGb, 2), num(per.tunnel?.cpuSecPerGb, 2), '', ''],
    [`${id} peak RSS growth`, '', growth(per.floor), growth(per.tunnel), '', ''],
  ];
};

const wsRows = (per: Partial<Record<PathName, WebSocketResult>>): Row[] => {
  const d = per.direct;
  const f = per.floor;
  const t = per.tunnel;
  const rss = (x: WebSocketResult | undefined): string => (x ? Object.entries(x.rssPerConnKb).map(([n, kb]) => `${n} ${num(kb, 1)} KB`).join(', ') : '-');
  const open = (x: WebSocketResult | undefined): string => (x ? `${num(x.openMs / 1000, 2)} s (${x.opened} ok, ${x.failed} failed)` : '-');
  return [
    ['S6 open N WebSockets', open(d), open(f), open(t), ratio(t?.openMs, d?.openMs), ''],
    ['S6 echo RTT p50 / p99', `${us(d?.rttP50Us)} / ${us(d?.rttP99Us)}`, `${us(f?.rttP50Us)} / ${us(f?.rttP99Us)}`, `${us(t?.rttP50Us)} / ${us(t?.rttP99Us)}`, ratio(t?.rttP50Us, d?.rttP50Us), ''],
    ['S6 RSS per open WebSocket', '', rss(f), rss(t), '', ''],
  ];
};

/** The printed table: one row per metric, direct / node floor / tunnel side by side. */
export const formatTable = (r: Results, checks: TargetCheck[], invalid: string[], footer: string[]): string => {
  const rows: Row[] = [
    ['metric', 'direct', 'node floor (2 TCP hops)', 'tunnel', 'tunnel/direct', 'target'],
    ...wrkRows('S1 keep-alive c50', r.s1KeepAlive, { rpsTarget: '≥ 0.50×' }),
    ...wrkRows('S2 serial c1', r.s2Serial, { rps: false, added: true }),
    ...wrkRows('S3 Connection: close c20', r.s3NewConnection, { p90: true }),
    ...transferRows('S4 download', r.s4Download, '≥ 0.35×'),
    ...transferRows('S5 upload', r.s5Upload),
    ...wsRows(r.s6WebSockets),
    ...wrkRows('S7 c10 alone', r.s7Alone),
    ...wrkRows('S7 c10 under bulk', r.s7UnderBulk, { p50Target: '≤ 2 ms' }),
    ...wrkRows('S7 c10 under 50 MB/s bulk', r.s7UnderPacedBulk),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => [...row[i]!].length)));
  const line = (row: Row): string => `| ${row.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
  const out = [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line), ''];
  out.push('targets:');
  for (const c of checks) out.push(`  ${c.pass ? 'PASS' : 'MISS'}  ${c.id}  ${c.target}: ${c.measured}`);
  out.push(invalid.length ? `INVALID RUN (${invalid.length}):` : 'valid: 0 socket errors, 0 non-2xx, exact byte counts, every WebSocket opened');
  for (const i of invalid) out.push(`  ${i}`);
  out.push(...footer);
  return out.join('\n');
};
