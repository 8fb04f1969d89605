import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchAgent } from './agent-process.js';
import { serveRole, startChild, type Child } from './child-process.js';
import { startOrigin } from './origin.js';
import { summarizeProfile } from './profile-summary.js';
import { checkTargets, formatTable, invalidRuns } from './report.js';
import { runScenarios, type BenchPath, type Settings } from './scenarios.js';
import { startTcpRelay } from './tcp-relay.js';
import { startBenchTunnelServer } from './tunnel-server-process.js';

/**
 * Tunnel benchmark: direct vs our tunnel vs a two-hop plain Node relay, each side in its own
 * process on 127.0.0.1. The compiled bundle is also the entry of every helper process
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

const envNumber = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);

const orchestrate = async (): Promise<void> => {
  const resultsDir = resolve(process.env.BENCH_RESULTS_DIR ?? join(dirname(bundle), '../../results'));
  const profileDir = process.env.BENCH_CPU_PROF ? join(resultsDir, 'profiles') : undefined;
  const settings: Settings = {
    seconds: envNumber('BENCH_SECONDS', 5),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1),
    transferBytes: 100 * 1024 * 1024,
    transferRuns: 3,
    webSockets: envNumber('BENCH_WEBSOCKETS', 1_000),
    uploadFile: join(tmpdir(), `preevy-bench-upload-${process.pid}`),
    ...(process.env.BENCH_ONLY ? { only: new Set(process.env.BENCH_ONLY.split(',')) } : {}),
  };
  const children: Array<Child<unknown>> = [];
  const start = async <Info>(name: string, childRole: string, childArgs: Array<string | number>, profile = false): Promise<Child<Info>> => {
    const child = await startChild<Info>(bundle, name, childRole, childArgs.map(String), profile ? profileDir : undefined);
    children.push(child);
    return child;
  };
  try {
    const origin = await start<{ port: number }>('origin', 'origin', []);
    const hopB = await start<{ port: number }>('floor-hop-2', 'relay', [origin.info.port]);
    const hopA = await start<{ port: number }>('floor-hop-1', 'relay', [hopB.info.port]);
    const server = await start<{ sshPort: number; httpPort: number; module: string }>('server', 'server', [], true);
    const agent = await start<{ host: string; agent: 'real' | 'stand-in'; note: string }>('agent', 'agent', [server.info.sshPort, origin.info.port], true);
    const paths: BenchPath[] = [
      { name: 'direct', port: origin.info.port, host: 'origin.bench.test', pids: {}, gc: async () => {} },
      { name: 'floor', port: hopA.info.port, host: 'origin.bench.test', pids: { hop1: hopA.pid, hop2: hopB.pid }, gc: gcAll(hopA, hopB) },
      { name: 'tunnel', port: server.info.httpPort, host: agent.info.host, pids: { server: server.pid, agent: agent.pid }, gc: gcAll(server, agent) },
    ];
    console.error(`tunnel host ${agent.info.host} via ${agent.info.agent} agent (${agent.info.note}); server from ${server.info.module}`);
    const results = await runScenarios(paths, settings, (l) => console.error(`  ${l}`));
    const checks = checkTargets(results);
    const invalid = invalidRuns(results);
    const footer = [
      agent.info.agent === 'real'
        ? `agent: the real agent's TunnelClient, from ${agent.info.note}`
        : `agent: STAND-IN (an ssh2 client with the agent's data path), because: ${agent.info.note}`,
      `server: ${server.info.module}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}; load generator unpinned on the same CPUs`,
      `wrk runs ${settings.seconds} s after a ${settings.warmupSeconds} s warm-up; transfers ${settings.transferBytes} bytes, ${settings.transferRuns} runs after one warm-up; path CPU = in-between processes only`,
    ];
    console.log(formatTable(results, checks, invalid, footer));
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `tunnel-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), agent: agent.info.agent, agentNote: agent.info.note, serverModule: server.info.module, settings, cpus: cpus().length, node: process.version, valid: invalid.length === 0, invalid, targets: checks, results }, null, 2));
    console.error(`results: ${file}${profileDir ? `; CPU profiles: ${profileDir}` : ''}`);
  } finally {
    rmSync(settings.uploadFile, { force: true });
    for (const c of children.reverse()) await c.stop();
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
    serveRole(startBenchTunnelServer);
    break;
  case 'agent':
    serveRole(() => startBenchAgent(port(0), port(1)));
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
