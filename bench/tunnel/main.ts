import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchAgent, type AgentInfo } from './agent-process.js';
import { serveRole, startChild, type Child } from './child-process.js';
import { startOpenSshForward } from './openssh-client.js';
import { startOrigin } from './origin.js';
import { summarizeProfile } from './profile-summary.js';
import { checkTargets, formatTable, invalidRuns, type Column } from './report.js';
import { runScenarios, type BenchPath, type Settings } from './scenarios.js';
import { createAgentFleet, DROP_KINDS } from './soak-agents.js';
import { MISBEHAVIOURS } from './soak-misbehave.js';
import { runSoak } from './soak.js';
import { startTcpRelay } from './tcp-relay.js';
import { benchLimits, startBenchTunnelServer, type BenchTunnelServer } from './tunnel-server-process.js';

/**
 * Tunnel benchmark: direct vs our tunnel vs a two-hop plain Node relay vs a stock OpenSSH client
 * on our server (and, with `BENCH_BASELINE_REF`, an older build of the server), each side in its
 * own process on 127.0.0.1. The compiled bundle is also the entry of every helper process
 * (`node tunnel-bench.mjs <role> ...`).
 */
const bundle = fileURLToPath(import.meta.url);
const [role, ...args] = process.argv.slice(2);
const port = (i: number): number => Number(args[i]);

const gcAll =
  (...children: Array<Child<unknown>>) =>
  async (): Promise<void> => {
    await Promise.all(children.map((c) => c.gc()));
  };

const resultsDir = (): string => resolve(process.env.BENCH_RESULTS_DIR ?? join(dirname(bundle), '../../results'));
/** A comma-separated subset of `all` (all when unset). */
const envList = <T extends string>(name: string, all: readonly T[]): T[] => (process.env[name] === undefined ? [...all] : all.filter((x) => process.env[name]!.split(',').includes(x)));
const envNumber = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);

const orchestrate = async (): Promise<void> => {
  const outDir = resultsDir();
  const profileDir = process.env.BENCH_CPU_PROF ? join(outDir, 'profiles') : undefined;
  const settings: Settings = {
    seconds: envNumber('BENCH_SECONDS', 5),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1),
    transferBytes: 100 * 1024 * 1024,
    transferRuns: 3,
    webSockets: envNumber('BENCH_WEBSOCKETS', 1_000),
    uploadFile: join(tmpdir(), `preevy-bench-upload-${process.pid}`),
    ...(process.env.BENCH_ONLY ? { only: new Set(process.env.BENCH_ONLY.split(',')) } : {}),
  };
  // S6 holds 1,000 WebSockets open on one tunnel, which meets the default per-tunnel cap exactly.
  const limits = benchLimits({ connectionsPerTunnel: 100_000 });
  const baseline = process.env.BENCH_BASELINE_SERVER ? { module: process.env.BENCH_BASELINE_SERVER, ref: process.env.BENCH_BASELINE_REF ?? '?' } : undefined;
  const running: Array<{ stop(): Promise<void> }> = [];
  const start = async <Info>(name: string, childRole: string, childArgs: Array<string | number>, profile = false): Promise<Child<Info>> => {
    const child = await startChild<Info>(bundle, name, childRole, childArgs.map(String), profile ? profileDir : undefined);
    running.push(child);
    return child;
  };
  try {
    const origin = await start<{ port: number }>('origin', 'origin', []);
    const hopB = await start<{ port: number }>('floor-hop-2', 'relay', [origin.info.port]);
    const hopA = await start<{ port: number }>('floor-hop-1', 'relay', [hopB.info.port]);
    const server = await start<BenchTunnelServer>('server', 'server', ['', JSON.stringify(limits)], true);
    const agent = await start<AgentInfo>('agent', 'agent', [server.info.sshPort, origin.info.port, server.info.hostKey], true);
    const paths: BenchPath[] = [
      { name: 'direct', port: origin.info.port, host: 'origin.bench.test', pids: {}, gc: async () => {} },
      { name: 'floor', port: hopA.info.port, host: 'origin.bench.test', pids: { hop1: hopA.pid, hop2: hopB.pid }, gc: gcAll(hopA, hopB) },
      { name: 'tunnel', port: server.info.httpPort, host: agent.info.host, pids: { server: server.pid, agent: agent.pid }, gc: gcAll(server, agent) },
    ];
    const columns: Column[] = [
      { path: 'direct', title: 'direct' },
      { path: 'floor', title: 'node floor (2 TCP hops)' },
      { path: 'tunnel', title: 'tunnel' },
    ];
    const footer: string[] = [];
    if (baseline) {
      // The same agent code against the server built from the baseline ref (only the server differs),
      // unless BENCH_BASELINE_AGENT=1 asked for the ref's agent too.
      const before = await start<BenchTunnelServer>('server-before', 'server', [baseline.module, JSON.stringify(limits)], true);
      const beforeAgentModule = process.env.BENCH_BASELINE_AGENT_MODULE;
      const beforeAgent = await start<AgentInfo>('agent-before', 'agent', [before.info.sshPort, origin.info.port, before.info.hostKey, ...(beforeAgentModule ? [beforeAgentModule] : [])], true);
      paths.push({ name: 'before', port: before.info.httpPort, host: beforeAgent.info.host, pids: { server: before.pid, agent: beforeAgent.pid }, gc: gcAll(before, beforeAgent) });
      columns.push({ path: 'before', title: `tunnel (before: ${baseline.ref})` });
      footer.push(
        `before: packages/tunnel-server built from ${baseline.ref} (${before.info.module}), ${beforeAgentModule ? `its agent too (${beforeAgent.info.note})` : 'same agent code as the tunnel column'}`,
      );
    }
    const openssh = process.env.BENCH_OPENSSH === '0' ? undefined : await startOpenSshForward(server.info, origin.info.port);
    if (openssh) {
      running.push(openssh);
      // Same server process as the tunnel column (the runs are serial); its CPU counts with the ssh client's.
      paths.push({ name: 'openssh', port: server.info.httpPort, host: openssh.host, pids: { server: server.pid, ssh: openssh.pid }, gc: gcAll(server) });
      columns.push({ path: 'openssh', title: 'openssh -R' });
      footer.push(`openssh: ${openssh.version}, ssh -N -R with -F /dev/null (OpenSSH's built-in algorithm order), negotiated ${openssh.negotiated}`);
    }
    console.error(`tunnel host ${agent.info.host} via ${agent.info.agent} agent (${agent.info.note}); server from ${server.info.module}`);
    const results = await runScenarios(paths, settings, (l) => console.error(`  ${l}`));
    const checks = checkTargets(results);
    const invalid = invalidRuns(results);
    footer.unshift(
      agent.info.agent === 'real'
        ? `agent: the real agent's TunnelClient, from ${agent.info.note}`
        : `agent: STAND-IN (an ssh2 client with the agent's data path), because: ${agent.info.note}`,
      `server: ${server.info.module}; limits set by the bench: ${JSON.stringify(limits)}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}; load generator unpinned on the same CPUs`,
      `wrk runs ${settings.seconds} s after a ${settings.warmupSeconds} s warm-up; transfers ${settings.transferBytes} bytes, ${settings.transferRuns} runs after one warm-up; path CPU = in-between processes only`,
    );
    console.log(formatTable(results, columns, checks, invalid, footer));
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `tunnel-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const meta = { agent: agent.info.agent, agentNote: agent.info.note, serverModule: server.info.module, limits, baseline, openssh: openssh && { version: openssh.version, negotiated: openssh.negotiated } };
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), ...meta, settings, columns, cpus: cpus().length, node: process.version, valid: invalid.length === 0, invalid, targets: checks, results }, null, 2));
    console.error(`results: ${file}${profileDir ? `; CPU profiles: ${profileDir}` : ''}`);
  } finally {
    rmSync(settings.uploadFile, { force: true });
    for (const c of running.reverse()) await c.stop();
  }
};

switch (role) {
  case 'origin':
    serveRole(startOrigin);
    break;
  case 'relay':
    serveRole(() => startTcpRelay(port(0)));
    break;
  case 'server':
    serveRole(() => startBenchTunnelServer({ module: args[0], limits: JSON.parse(args[1] ?? '{}') as Record<string, unknown>, admin: args[2] === 'admin' }));
    break;
  case 'agent':
    serveRole(() => startBenchAgent(port(0), port(1), args[2]!, args[3]));
    break;
  case 'soak-agents': {
    const drops = DROP_KINDS.filter((d) => args[6]!.split(',').includes(d));
    const fleet = createAgentFleet({ sshPort: port(0), originPort: port(1), first: port(2), count: port(3), tunnels: port(4), seed: port(5), drops });
    serveRole(fleet.start, fleet.commands);
    break;
  }
  case 'soak':
    runSoak(bundle, {
      agents: envNumber('BENCH_SOAK_AGENTS', 20),
      tunnelsPerAgent: envNumber('BENCH_SOAK_TUNNELS', 50),
      agentProcesses: envNumber('BENCH_SOAK_AGENT_PROCESSES', 4),
      seconds: envNumber('BENCH_SOAK_SECONDS', 60),
      warmupSeconds: envNumber('BENCH_SOAK_WARMUP_SECONDS', 15),
      drainSeconds: envNumber('BENCH_SOAK_DRAIN_SECONDS', 20),
      seed: envNumber('BENCH_SOAK_SEED', 1),
      misbehaviours: envList('BENCH_SOAK_MISBEHAVE', MISBEHAVIOURS),
      drops: envList('BENCH_SOAK_DROPS', DROP_KINDS),
      resultsDir: resultsDir(),
    }).catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
    break;
  case 'summarize':
    for (const file of args) console.log(summarizeProfile(file));
    break;
  case undefined:
    orchestrate().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
    break;
  default:
    console.error(`unknown role ${role}`);
    process.exit(2);
}
