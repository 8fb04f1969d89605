import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tunnelLabel } from '@preevy/tunnel-protocol';
import { startChild, type Child } from './child-process.js';
import { rssKb } from './proc-stats.js';
import { runMisbehaviour, type Misbehaviour, type MisbehaviourReport } from './soak-misbehave.js';
import { seededRandom, soakTunnels, type AgentEvent, type DropKind, type FleetStats, type SoakAgentInfo } from './soak-agents.js';
import { emptyTally, runVisitors, VISIT_KINDS, type AgentLiveness, type VisitTally } from './soak-visitors.js';
import { benchLimits, type BenchTunnelServer } from './tunnel-server-process.js';

export interface SoakSettings {
  agents: number;
  tunnelsPerAgent: number;
  agentProcesses: number;
  seconds: number;
  /** A shorter first round of the same churn, after which the baseline is read. */
  warmupSeconds: number;
  /** Wait after each round before reading: longer than the server's dead-peer detection (5 s × 3 by default). */
  drainSeconds: number;
  seed: number;
  /** The misbehaving clients that run (all by default). */
  misbehaviours: Misbehaviour[];
  /** How agents drop their connections (all kinds by default). */
  drops: DropKind[];
  resultsDir: string;
}

/** The server process at one moment: open fds, RSS, and (after a GC) its heap and the server's own counts. */
interface Reading {
  fds: number;
  /** Open fds by kind; sockets by TCP state, so a connection the server ended but still holds shows. */
  fdKinds: Record<string, number>;
  rssKb: number;
  heapUsedKb: number;
  externalKb: number;
  sshClients?: number;
  tunnels?: number;
}

const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

const TCP_STATES: Record<string, string> = { '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING' };

/** Socket inode → `tcp <state>` or `unix`, from /proc/net/{tcp,tcp6,unix}. */
const socketKinds = (): Map<string, string> => {
  const kinds = new Map<string, string>();
  const rows = (file: string): string[][] => readFileSync(file, 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) for (const f of rows(file)) if (f.length > 9) kinds.set(f[9]!, `tcp ${TCP_STATES[f[3]!] ?? f[3]!}`);
  for (const f of rows('/proc/net/unix')) if (f.length > 6) kinds.set(f[6]!, 'unix');
  return kinds;
};

const fdKinds = (pid: number): Record<string, number> => {
  const sockets = socketKinds();
  const kinds: Record<string, number> = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    // A socket in neither table is one the kernel has closed (e.g. after a reset) while the process still holds its fd.
    const kind = inode ? (sockets.get(inode) ?? 'socket closed by the kernel, fd still open') : link.startsWith('pipe:') ? 'pipe' : link.startsWith('anon_inode:') ? link.slice('anon_inode:'.length) : 'file';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
};

const getJson = (port: number, path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, signal: AbortSignal.timeout(5_000) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString())).on('end', () => resolve(body));
    });
    req.on('error', reject).end();
  });

/** Waits until the server's open fd count has not changed for 2 s (bounded: 60 s), so closing connections have closed. */
const settle = async (pid: number): Promise<number> => {
  let last = openFds(pid);
  let stableSince = Date.now();
  const started = Date.now();
  while (Date.now() - stableSince < 2_000 && Date.now() - started < 60_000) {
    await sleep(200);
    const now = openFds(pid);
    if (now !== last) [last, stableSince] = [now, Date.now()];
  }
  return Date.now() - started;
};

const read = async (server: Child<BenchTunnelServer>): Promise<Reading> => {
  const mem = await server.memory();
  const health = server.info.adminPort ? (JSON.parse(await getJson(server.info.adminPort, '/healthz')) as { sshClients: number; tunnels: number }) : undefined;
  return {
    fds: openFds(server.pid),
    fdKinds: fdKinds(server.pid),
    rssKb: rssKb(server.pid),
    heapUsedKb: mem.heapUsed / 1024,
    externalKb: mem.external / 1024,
    ...(health ? { sshClients: health.sshClients, tunnels: health.tunnels } : {}),
  };
};

/** `preevy_tunnel_refused_total` and the HTTP app's outcomes, from the server's /metrics. */
const serverCounters = async (adminPort: number | undefined): Promise<Record<string, number>> => {
  if (!adminPort) return {};
  const text = await getJson(adminPort, '/metrics');
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(preevy_tunnel_(?:refused_total|auth_failures_total|http_requests_total))\{(\w+)="([^"]*)"\} (\d+)/gm)) out[`${m[1]} ${m[2]}=${m[3]}`] = Number(m[4]);
  return out;
};

const mb = (kb: number | undefined): string => (kb === undefined ? '-' : `${(kb / 1024).toFixed(1)} MB`);
const pct = (after: number, before: number): number => ((after - before) / before) * 100;
const signedPct = (p: number): string => `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)} %`;

/** One round's outcome: what the visitors saw, what the misbehaving clients did, the agents' counts. */
interface Round {
  tally: VisitTally;
  misbehaviour: MisbehaviourReport;
  fleetStats: FleetStats[];
}

/**
 * The soak: one tunnel server; `agents` real ssh2 agents (distinct keys) with `tunnelsPerAgent`
 * tunnels each, spread over a few processes. Two rounds of the same mix: agents dropping and
 * reconnecting at random while visitors use every path and misbehaving clients push on the
 * limits. The first (warm-up) round ends in the baseline reading, so the allocator's high-water
 * mark and lazily opened fds are in it; the second runs `seconds` and ends in the "after"
 * reading; each reading waits `drainSeconds`, until the fd count holds still, and a full GC.
 * Prints requests served, errors by kind, the server's fds and RSS, and a verdict. Nothing is
 * asserted.
 */
export const runSoak = async (bundle: string, s: SoakSettings): Promise<void> => {
  const log = (line: string): void => console.error(`soak: ${line}`);
  const tunnels = soakTunnels(s.tunnelsPerAgent);
  // Raised so that the soak's own load is never refused: one key holds tunnelsPerAgent tunnels, one
  // tunnel may see many visitors, and every client here, agents included, comes from 127.0.0.1 (a
  // per-address cap would count them all as one). Header and handshake deadlines stay at the
  // server's defaults: the slowloris and silent SSH clients are there to meet them.
  const limits = benchLimits({
    tunnelsPerConnection: Math.max(100, s.tunnelsPerAgent),
    tunnelsPerKey: Math.max(1_000, s.tunnelsPerAgent),
    connectionsPerTunnel: 100_000,
    unauthenticatedPerAddress: 1_000,
  });
  const running: Array<Child<unknown>> = [];
  const start = async <Info>(name: string, role: string, args: Array<string | number>): Promise<Child<Info>> => {
    const c = await startChild<Info>(bundle, name, role, args.map(String));
    running.push(c);
    return c;
  };
  try {
    const origin = await start<{ port: number }>('origin', 'origin', []);
    const server = await start<BenchTunnelServer>('server', 'server', ['', JSON.stringify(limits), 'admin']);
    let serverExit: string | undefined;
    void server.exited.then((code) => (serverExit = String(code)));
    await settle(server.pid);
    const empty = await read(server);
    log(`server up (fds ${empty.fds}, RSS ${mb(empty.rssKb)}); starting ${s.agents} agents × ${s.tunnelsPerAgent} tunnels in ${s.agentProcesses} processes`);

    const liveness: AgentLiveness = { up: new Set(), epoch: Array.from({ length: s.agents }, () => 0) };
    const perProcess = Math.ceil(s.agents / s.agentProcesses);
    const fleets: Array<Child<SoakAgentInfo[]>> = [];
    const agents: SoakAgentInfo[] = [];
    for (let first = 0; first < s.agents; first += perProcess) {
      const count = Math.min(perProcess, s.agents - first);
      const fleet = await start<SoakAgentInfo[]>(`agents-${first}`, 'soak-agents', [server.info.sshPort, origin.info.port, first, count, s.tunnelsPerAgent, s.seed, s.drops.join(',')]);
      fleet.onEvent((e) => {
        const { agent, up } = e as AgentEvent;
        if (up) liveness.up.add(agent);
        else {
          liveness.up.delete(agent);
          liveness.epoch[agent]! += 1;
        }
      });
      for (const a of fleet.info) liveness.up.add(a.index);
      fleets.push(fleet);
      agents.push(...fleet.info);
    }
    const visitors = { agents, tunnels, baseHost: server.info.baseHost, httpPort: server.info.httpPort, liveness, random: seededRandom(s.seed) };
    const publicHost = (): string | undefined => {
      const a = agents.find((x) => liveness.up.has(x.index));
      return a && `${tunnelLabel({ name: tunnels[0]!.name, envId: a.envId, clientId: a.clientId })}.${server.info.baseHost}`;
    };

    const round = async (seconds: number): Promise<Round> => {
      const deadline = Date.now() + seconds * 1_000;
      await Promise.all(fleets.map((f) => f.call('churn', true)));
      const tally = emptyTally();
      const [, misbehaviour] = await Promise.all([
        runVisitors(visitors, deadline, tally),
        runMisbehaviour({ sshPort: server.info.sshPort, httpPort: server.info.httpPort, publicHost, deadline, only: new Set(s.misbehaviours) }),
      ]);
      log('agents reconnecting');
      const fleetStats = await Promise.all(fleets.map((f) => f.call<FleetStats>('churn', false)));
      return { tally, misbehaviour, fleetStats };
    };
    /** After a round: the drain wait, then until the fd count holds still, then a reading after a GC. */
    const drained = async (): Promise<{ reading: Reading; waitedMs: number }> => {
      log(`draining ${s.drainSeconds} s`);
      await sleep(s.drainSeconds * 1_000);
      const waitedMs = s.drainSeconds * 1_000 + (await settle(server.pid));
      return { reading: await read(server), waitedMs };
    };

    log(`warm-up round: ${s.warmupSeconds} s`);
    const warmup = await round(s.warmupSeconds);
    if (serverExit !== undefined) throw new Error(`the tunnel server exited (${serverExit}) in the warm-up round: its stderr is above`);
    const baseline = await drained();
    log(`baseline: fds ${baseline.reading.fds}, RSS ${mb(baseline.reading.rssKb)}; main round: ${s.seconds} s`);

    const peak = { fds: baseline.reading.fds, rssKb: baseline.reading.rssKb, fdKinds: baseline.reading.fdKinds };
    const sampler = setInterval(() => {
      try {
        const fds = openFds(server.pid);
        if (fds > peak.fds) Object.assign(peak, { fds, fdKinds: fdKinds(server.pid) });
        peak.rssKb = Math.max(peak.rssKb, rssKb(server.pid));
      } catch {
        // the server exited between two samples: reported below
      }
    }, 250);
    const main = await round(s.seconds);
    clearInterval(sampler);
    let after: Awaited<ReturnType<typeof drained>> | undefined;
    let emptyAgain: Reading | undefined;
    if (serverExit === undefined) {
      after = await drained();
      log('stopping the agents');
      for (const f of fleets) await f.stop();
      await settle(server.pid);
      emptyAgain = await read(server);
    }
    const counters = serverExit === undefined ? await serverCounters(server.info.adminPort) : {};

    const results = { settings: s, limits, empty, baseline, peak, after, emptyAgain, warmup, main, counters, serverExit };
    console.log(formatSoak(results));
    mkdirSync(s.resultsDir, { recursive: true });
    const file = join(s.resultsDir, `tunnel-soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, node: process.version, ...results }, null, 2));
    log(`results: ${file}`);
  } finally {
    for (const c of running.reverse()) await c.stop();
  }
};

const sum = (xs: Record<string, number>): number => Object.values(xs).reduce((a, b) => a + b, 0);

const totals = (stats: FleetStats[]): FleetStats =>
  stats.reduce((a, x) => ({
    connects: a.connects + x.connects,
    connectFailures: a.connectFailures + x.connectFailures,
    drops: { end: a.drops.end + x.drops.end, destroy: a.drops.destroy + x.drops.destroy, freeze: a.drops.freeze + x.drops.freeze },
    forwardRefusals: a.forwardRefusals + x.forwardRefusals,
    forwardsGivenUp: a.forwardsGivenUp + x.forwardsGivenUp,
    channels: a.channels + x.channels,
    frozenOpen: a.frozenOpen + x.frozenOpen,
  }));

const kindsLine = (kinds: Record<string, number>): string =>
  Object.entries(kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

const formatSoak = (r: {
  settings: SoakSettings;
  limits: Record<string, unknown>;
  empty: Reading;
  baseline: { reading: Reading; waitedMs: number };
  peak: { fds: number; rssKb: number; fdKinds: Record<string, number> };
  after: { reading: Reading; waitedMs: number } | undefined;
  emptyAgain: Reading | undefined;
  warmup: Round;
  main: Round;
  counters: Record<string, number>;
  serverExit: string | undefined;
}): string => {
  const out: string[] = [];
  const table = (rows: string[][]): void => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => [...row[i]!].length)));
    const line = (row: string[]): string => `| ${row.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
    out.push(line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line));
  };
  const { settings: s, empty, peak, emptyAgain } = r;
  const baseline = r.baseline.reading;
  const after = r.after?.reading;
  out.push(
    `tunnel soak: ${s.agents} agents × ${s.tunnelsPerAgent} tunnels (every 5th private) in ${s.agentProcesses} processes; a ${s.warmupSeconds} s warm-up round, then ${s.seconds} s; seed ${s.seed}; drops: ${s.drops.join(', ')}; misbehaving clients: ${s.misbehaviours.join(', ') || 'none'}`,
    '',
    'server process:',
  );
  const cell = (x: Reading | undefined, f: (x: Reading) => string): string => (x ? f(x) : '-');
  const readings: Array<Reading | undefined> = [empty, baseline, undefined, after, emptyAgain];
  table([
    ['', 'no agents yet', 'baseline (after warm-up round)', `peak (main round)`, 'after main round', 'agents gone'],
    ['open fds', ...readings.map((x, i) => (i === 2 ? String(peak.fds) : cell(x, (y) => String(y.fds))))],
    ['RSS', ...readings.map((x, i) => (i === 2 ? mb(peak.rssKb) : cell(x, (y) => mb(y.rssKb))))],
    ['heap used / external (after GC)', ...readings.map((x, i) => (i === 2 ? '' : cell(x, (y) => `${mb(y.heapUsedKb)} / ${mb(y.externalKb)}`)))],
    ['ssh clients / tunnels (/healthz)', ...readings.map((x, i) => (i === 2 ? '' : cell(x, (y) => `${y.sshClients ?? '-'} / ${y.tunnels ?? '-'}`)))],
  ]);
  out.push('open fds by kind:');
  for (const [name, kinds] of [
    ['no agents yet', empty.fdKinds],
    ['baseline', baseline.fdKinds],
    ['peak', peak.fdKinds],
    ['after', after?.fdKinds],
    ['agents gone', emptyAgain?.fdKinds],
  ] as const) {
    if (kinds) out.push(`  ${name}: ${kindsLine(kinds)}`);
  }

  out.push('', `visits in the main round (errors split by whether the tunnel's agent stayed connected throughout):`);
  const { tally } = r.main;
  table([
    ['kind', 'ok', 'errors, agent stable', 'errors, agent churned'],
    ...VISIT_KINDS.map((k) => {
      const errs = (xs: Record<string, number>): string => String(Object.entries(xs).filter(([key]) => key.startsWith(`${k}: `)).reduce((a, [, n]) => a + n, 0));
      return [k, String(tally.ok[k] ?? 0), errs(tally.stable), errs(tally.churned)];
    }),
    ['total', String(sum(tally.ok)), String(sum(tally.stable)), String(sum(tally.churned))],
  ]);
  const errorLines = (title: string, xs: Record<string, number>): void => {
    out.push(`${title}:${Object.keys(xs).length ? '' : ' none'}`);
    for (const [k, n] of Object.entries(xs).sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(7)}  ${k}`);
  };
  errorLines('errors by kind, agent stable', tally.stable);
  errorLines('errors by kind, agent churned (expected while it reconnects)', tally.churned);
  out.push(`warm-up round: ${sum(r.warmup.tally.ok)} ok, ${sum(r.warmup.tally.stable)} errors with the agent stable, ${sum(r.warmup.tally.churned)} churned`);

  const f = totals(r.main.fleetStats);
  const w = totals(r.warmup.fleetStats);
  out.push(
    '',
    `agents (both rounds): ${f.connects} connects (${f.connectFailures} failed attempts), drops: ${f.drops.end} clean SSH disconnects, ${f.drops.destroy} TCP closes, ${f.drops.freeze} freezes; ${f.forwardRefusals} forward requests refused and retried, ${f.forwardsGivenUp} given up; ${f.channels} visitor channels; ${f.frozenOpen} frozen connections never closed by their agents (${w.frozenOpen} of them from the warm-up round)`,
  );
  const m = r.main.misbehaviour;
  out.push(
    'misbehaving clients (main round):',
    `  ssh abusers (100 forwards with 20 kB names + 4 malformed, exec hello, then close): ${m.sshAbusers.runs} runs, ${m.sshAbusers.closedEarly} closed at once, ${m.sshAbusers.neverRead} stopped reading for 3 s, ${m.sshAbusers.failedToConnect} could not connect`,
    `  silent SSH connections: ${m.silentSsh.opened} opened, ${m.silentSsh.closedByServer} closed by the server (longest ${(m.silentSsh.maxLifetimeMs / 1000).toFixed(1)} s)`,
    `  slowloris (1 byte/s): ${m.slowloris.opened} opened, ${m.slowloris.closedByServer} closed by the server (longest ${(m.slowloris.maxLifetimeMs / 1000).toFixed(1)} s), answers ${JSON.stringify(m.slowloris.answers)}`,
    `  non-reading downloads: ${m.nonReaders.opened} opened, each held up to 15 s`,
  );
  if (Object.keys(r.counters).length) {
    out.push('server counters (/metrics, whole run):');
    for (const [k, n] of Object.entries(r.counters)) out.push(`  ${String(n).padStart(7)}  ${k}`);
  }
  out.push(`server limits set by the soak: ${JSON.stringify(r.limits)} (others at the server's defaults)`);

  if (r.serverExit !== undefined || !after || !r.after) {
    out.push('', `verdict: SERVER EXITED (${r.serverExit ?? '?'}) during the soak: no after-readings (its stderr is above)`);
    return out.join('\n');
  }
  const fdsPct = pct(after.fds, baseline.fds);
  const rssPct = pct(after.rssKb, baseline.rssKb);
  const within = Math.abs(fdsPct) <= 10 && rssPct <= 10;
  out.push(
    '',
    `readings: ${(r.baseline.waitedMs / 1000).toFixed(1)} s and ${(r.after.waitedMs / 1000).toFixed(1)} s after the rounds (${s.drainSeconds} s drain, then until the fd count held still for 2 s), each after a full GC in the server`,
    `verdict: ${within ? 'BACK' : 'NOT BACK'} within 10 % of baseline: fds ${baseline.fds} → ${after.fds} (${signedPct(fdsPct)}), RSS ${mb(baseline.rssKb)} → ${mb(after.rssKb)} (${signedPct(rssPct)}); ` +
      `heap used ${mb(baseline.heapUsedKb)} → ${mb(after.heapUsedKb)}, external ${mb(baseline.externalKb)} → ${mb(after.externalKb)}; with no agents, fds ${empty.fds} → ${emptyAgain?.fds ?? '-'}`,
  );
  return out.join('\n');
};
