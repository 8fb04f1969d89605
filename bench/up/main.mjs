// Times `preevy up` (the built binary, as a user runs it) on examples/hello in three situations,
// side by side with plain `docker compose up -d --build --wait` on the same project (the floor)
// and, with BENCH_BASELINE_BIN, the CLI of a baseline ref ("before"), interleaved run by run so
// every column sees the same machine load:
//   cold:      fresh PREEVY_HOME (so a new tunnel server), no agent image, no project images
//   no change: `up` again on a deployed environment
//   edit:      `up` after changing one bind-mounted file (examples/hello/site/index.html)
// Per run: wall time, the CLI's own CPU time and peak RSS (bench/up/usage.mjs, preloaded), and
// the durations its progress lines carry. Not a test: nothing is asserted.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exec, freePort, median, sec, stepDurations, table } from '../lib.mjs';

const REPO = new URL('../../', import.meta.url).pathname;
const USAGE_PRELOAD = join(REPO, 'bench/up/usage.mjs');
/** The goal for an unchanged `up`: at most this much above plain compose. */
const TARGET_ABOVE_FLOOR_MS = 300;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

const log = (s) => process.stderr.write(`${s}\n`);

const root = mkdtempSync(join(tmpdir(), 'preevy-bench-up-'));
const project = join(root, 'hello');
cpSync(join(REPO, 'examples/hello'), project, { recursive: true });
const offlineEnv = {
  ...process.env,
  NO_COLOR: '1',
  BASE_IMAGE: 'preevy-test/busybox:latest',
  NODE_IMAGE: 'preevy-test/node:20',
  PREEVY_AGENT_BASE_IMAGE: 'preevy-test/node:20',
};
// Every column publishes its own host ports: they run on one engine at the same time.
const portsEnv = async () => ({ WEB_PORT: String(await freePort()), API_PORT: String(await freePort()) });

const homes = [];
const stopTunnelServer = (home) => {
  const state = join(home, 'tunnel-server', 'embedded.json');
  if (!existsSync(state)) return;
  try {
    process.kill(JSON.parse(readFileSync(state, 'utf8')).pid, 'SIGTERM');
  } catch {
    // already gone
  }
};

/** One preevy CLI under test: its binary, ports and PREEVY_HOME (a new one per cold run). */
const cliVariant = async (name, bin) => {
  const env = { ...offlineEnv, ...(await portsEnv()) };
  const v = {
    name,
    home: undefined,
    newHome() {
      v.home = join(root, `home-${name}-${homes.length}`);
      homes.push(v.home);
    },
    preevy: (...args) => exec(process.execPath, ['--import', USAGE_PRELOAD, bin, ...args], { cwd: project, env: { ...env, PREEVY_HOME: v.home, BENCH_USAGE_FILE: join(root, 'usage.json') } }),
    envId: (scenario) => `bench-${name}-${scenario}`,
    async up(envId) {
      rmSync(join(root, 'usage.json'), { force: true });
      const start = process.hrtime.bigint();
      const res = await v.preevy('up', '--id', envId);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.exitCode !== 0) throw new Error(`${name}: preevy up --id ${envId} failed (${res.exitCode}):\n${res.stderr}`);
      const usage = JSON.parse(readFileSync(join(root, 'usage.json'), 'utf8'));
      return { ms, cpuMs: usage.cpuMs, maxRssKb: usage.maxRssKb, steps: stepDurations(res.stderr) };
    },
    down: (envId) => v.preevy('down', '--id', envId),
    removeImages: (envId) => exec('docker', ['image', 'rm', '-f', `${envId}-web`, `${envId}-api`]),
  };
  v.newHome();
  return v;
};

/** Plain compose on the same project, under its own project name and ports. */
const floorVariant = async () => {
  const env = { ...offlineEnv, ...(await portsEnv()) };
  const compose = (...args) => exec('docker', ['compose', '-p', 'bench-floor', ...args], { cwd: project, env });
  return {
    name: 'floor',
    async up() {
      const start = process.hrtime.bigint();
      const res = await compose('up', '-d', '--build', '--wait');
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.exitCode !== 0) throw new Error(`floor: docker compose up failed (${res.exitCode}):\n${res.stderr}`);
      return { ms, steps: {} };
    },
    down: () => compose('down', '--timeout', '1'),
    removeImages: () => exec('docker', ['image', 'rm', '-f', 'bench-floor-web', 'bench-floor-api']),
  };
};

const removeAgentImages = async () => {
  const agent = (await exec('docker', ['image', 'ls', '-q', 'preevy/agent'])).stdout.split('\n').filter(Boolean);
  if (agent.length) await exec('docker', ['image', 'rm', '-f', ...new Set(agent)]);
  // An environment still running on this engine keeps its agent image: then `cold` is not cold.
  const left = (await exec('docker', ['image', 'ls', '-q', 'preevy/agent'])).stdout.trim();
  if (left) log('warning: an agent image is in use by a running container and was not removed: the cold runs reuse it');
  return !left;
};

const floor = await floorVariant();
const clis = [...(process.env.BENCH_BASELINE_BIN ? [await cliVariant('before', process.env.BENCH_BASELINE_BIN)] : []), await cliVariant('preevy', join(REPO, 'packages/cli/bin/run.js'))];
const columns = [floor, ...clis];
const samples = Object.fromEntries(columns.map((c) => [c.name, { cold: [], noChange: [], edit: [] }]));
/** Each round runs every column once, in an order that rotates, so none always goes first. */
const rotated = (i) => columns.map((_, k) => columns[(i + k) % columns.length]);
let agentImageRemoved = true;
try {
  for (let i = 0; i < runs; i++) {
    for (const c of rotated(i)) {
      if (c === floor) {
        await floor.down();
        await floor.removeImages();
      } else {
        c.newHome();
        await c.removeImages(c.envId(`cold-${i}`));
        agentImageRemoved &&= await removeAgentImages();
      }
      samples[c.name].cold.push(await c.up(c.envId?.(`cold-${i}`)));
      log(`cold ${i + 1}/${runs} ${c.name}: ${samples[c.name].cold.at(-1).ms.toFixed(0)} ms`);
      if (c !== floor) {
        await c.down(c.envId(`cold-${i}`));
        stopTunnelServer(c.home);
      }
    }
  }
  for (const c of clis) {
    c.newHome();
    await c.up(c.envId('warm')); // deploy once: not measured
  }
  for (let i = 0; i < runs; i++) {
    for (const c of rotated(i)) samples[c.name].noChange.push(await c.up(c.envId?.('warm')));
    log(`no change ${i + 1}/${runs}: ${columns.map((c) => `${c.name} ${samples[c.name].noChange.at(-1).ms.toFixed(0)} ms`).join(', ')}`);
  }
  for (let i = 0; i < runs; i++) {
    // One edit per round: every column deploys a changed file.
    writeFileSync(join(project, 'site', 'index.html'), `<h1>edit ${i} ${Date.now()}</h1>\n`);
    for (const c of rotated(i)) samples[c.name].edit.push(await c.up(c.envId?.('warm')));
    log(`edit ${i + 1}/${runs}: ${columns.map((c) => `${c.name} ${samples[c.name].edit.at(-1).ms.toFixed(0)} ms`).join(', ')}`);
  }
} finally {
  for (const c of clis) if (c.home) await c.down(c.envId('warm'));
  await floor.down();
  for (const h of homes) stopTunnelServer(h);
  rmSync(root, { recursive: true, force: true });
}

const SCENARIOS = [
  ['cold', 'cold'],
  ['noChange', 'up, no change'],
  ['edit', 'up, 1 file edited'],
];
const med = (name, scenario, key) => median(samples[name][scenario].map((s) => s[key]));
const summary = Object.fromEntries(
  SCENARIOS.map(([s]) => [
    s,
    Object.fromEntries(
      columns.map((c) => [c.name, { medianMs: med(c.name, s, 'ms'), minMs: Math.min(...samples[c.name][s].map((x) => x.ms)), maxMs: Math.max(...samples[c.name][s].map((x) => x.ms)), ...(c === floor ? {} : { cpuMs: med(c.name, s, 'cpuMs'), maxRssKb: med(c.name, s, 'maxRssKb') }) }]),
    ),
  ]),
);

console.log(`median of ${runs} runs each; "+floor" is the median above plain docker compose up -d --build --wait`);
console.log(
  table(
    ['scenario', 'floor', ...clis.flatMap((c) => [c.name, '+floor']), ...clis.map((c) => `CPU ${c.name}`), ...clis.map((c) => `RSS ${c.name}`)],
    SCENARIOS.map(([s, label]) => {
      const f = summary[s].floor.medianMs;
      return [
        label,
        sec(f),
        ...clis.flatMap((c) => [sec(summary[s][c.name].medianMs), `+${sec(summary[s][c.name].medianMs - f)}`]),
        ...clis.map((c) => sec(summary[s][c.name].cpuMs)),
        ...clis.map((c) => `${(summary[s][c.name].maxRssKb / 1024).toFixed(0)} MiB`),
      ];
    }),
  ),
);
const nc = summary.noChange;
console.log(`\ntarget: up with no change <= floor + ${sec(TARGET_ABOVE_FLOOR_MS)}: preevy +${sec(nc.preevy.medianMs - nc.floor.medianMs)} (${nc.preevy.medianMs - nc.floor.medianMs <= TARGET_ABOVE_FLOOR_MS ? 'met' : 'missed'})`);

// Where the time goes: the median of each progress step, and of the rest (start-up, records, output).
const OTHER = '(the rest: CLI start-up, records, output)';
const stepsOf = (name, s) => {
  const list = samples[name][s];
  const names = [...new Set(list.flatMap((x) => Object.keys(x.steps)))];
  return {
    ...Object.fromEntries(names.map((n) => [n, median(list.map((x) => x.steps[n] ?? 0))])),
    [OTHER]: median(list.map((x) => x.ms - Object.values(x.steps).reduce((a, b) => a + b, 0))),
  };
};
const steps = Object.fromEntries(SCENARIOS.map(([s]) => [s, Object.fromEntries(clis.map((c) => [c.name, stepsOf(c.name, s)]))]));
const stepNames = [...new Set(SCENARIOS.flatMap(([s]) => clis.flatMap((c) => Object.keys(steps[s][c.name]))))].sort((a, b) => (a === OTHER) - (b === OTHER));
console.log('\nwhere the time goes (median per progress step; 0 where a run skipped the step):');
console.log(
  table(
    ['step', ...SCENARIOS.flatMap(([, label]) => clis.map((c) => `${label.replace('up, ', '')}: ${c.name}`))],
    stepNames.map((n) => [n, ...SCENARIOS.flatMap(([s]) => clis.map((c) => sec(steps[s][c.name][n] ?? 0)))]),
  ),
);

const resultsDir = join(REPO, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `up-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), runs, baselineRef: process.env.BENCH_BASELINE_REF, agentImageRemoved, targetAboveFloorMs: TARGET_ABOVE_FLOOR_MS, summary, steps, samples }, null, 2)}\n`,
);
console.log(`\nwrote ${file}`);
