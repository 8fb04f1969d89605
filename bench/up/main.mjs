// Times `preevy up` (the built binary, as a user runs it) in three situations, several runs each:
//   cold:      fresh PREEVY_HOME (so a new tunnel server), no agent image, no project images
//   no change: `up` again on a deployed environment
//   edit:      `up` after changing one bind-mounted file (examples/hello/site/index.html)
// Wall time of the whole process, plus the per-step durations the progress lines carry (where a
// warm `up` spends its time). Not a test: nothing is asserted.
import { execFile as execFileCb } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = new URL('../../', import.meta.url).pathname;
const CLI_BIN = join(REPO, 'packages/cli/bin/run.js');
const TARGET_NO_CHANGE_MS = 3_000;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

const exec = (file, args, opts = {}) =>
  new Promise((resolve) => {
    execFileCb(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: 600_000, ...opts }, (err, stdout, stderr) =>
      resolve({ exitCode: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const root = mkdtempSync(join(tmpdir(), 'preevy-bench-up-'));
const project = join(root, 'hello');
cpSync(join(REPO, 'examples/hello'), project, { recursive: true });
const baseEnv = {
  ...process.env,
  NO_COLOR: '1',
  BASE_IMAGE: 'preevy-test/busybox:latest',
  NODE_IMAGE: 'preevy-test/node:20',
  PREEVY_AGENT_BASE_IMAGE: 'preevy-test/node:20',
  WEB_PORT: String(await freePort()),
  API_PORT: String(await freePort()),
};
const homes = [];
const newHome = () => {
  const home = join(root, `home-${homes.length}`);
  homes.push(home);
  return home;
};
const preevy = (home, ...args) => exec(process.execPath, [CLI_BIN, ...args], { cwd: project, env: { ...baseEnv, PREEVY_HOME: home } });
const stopTunnelServer = (home) => {
  const state = join(home, 'tunnel-server', 'embedded.json');
  if (existsSync(state)) {
    try {
      process.kill(JSON.parse(readFileSync(state, 'utf8')).pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
};

/** `name: done (1.2s)` progress lines → { name: ms }. */
const stepDurations = (stderr) =>
  Object.fromEntries(
    [...stderr.matchAll(/^(.+): done \((\d+(?:\.\d+)?)(ms|s)\)$/gm)].map(([, name, n, unit]) => [name, Number(n) * (unit === 's' ? 1000 : 1)]),
  );

const timedUp = async (home, envId) => {
  const start = process.hrtime.bigint();
  const res = await preevy(home, 'up', '--id', envId);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.exitCode !== 0) throw new Error(`preevy up --id ${envId} failed (${res.exitCode}):\n${res.stderr}`);
  return { ms, steps: stepDurations(res.stderr) };
};

const log = (s) => process.stderr.write(`${s}\n`);
const removeImages = async (envId) => {
  const agent = (await exec('docker', ['image', 'ls', '-q', 'preevy/agent'])).stdout.split('\n').filter(Boolean);
  if (agent.length) await exec('docker', ['image', 'rm', '-f', ...new Set(agent)]);
  await exec('docker', ['image', 'rm', '-f', `${envId}-web`, `${envId}-api`]);
  // An environment still running on this engine keeps its agent image: then `cold` is not cold.
  const left = (await exec('docker', ['image', 'ls', '-q', 'preevy/agent'])).stdout.trim();
  if (left) log('warning: an agent image is in use by a running container and was not removed: the cold runs reuse it');
  return !left;
};

const samples = { cold: [], noChange: [], edit: [] };
let agentImageRemoved = true;
try {
  for (let i = 0; i < runs; i++) {
    const home = newHome();
    const envId = `bench-cold-${i}`;
    agentImageRemoved &&= await removeImages(envId);
    samples.cold.push(await timedUp(home, envId));
    log(`cold ${i + 1}/${runs}: ${samples.cold.at(-1).ms.toFixed(0)} ms`);
    await preevy(home, 'down', '--id', envId);
    stopTunnelServer(home);
  }
  const home = newHome();
  const envId = 'bench-warm';
  await timedUp(home, envId); // deploy once: not measured
  for (let i = 0; i < runs; i++) {
    samples.noChange.push(await timedUp(home, envId));
    log(`no change ${i + 1}/${runs}: ${samples.noChange.at(-1).ms.toFixed(0)} ms`);
  }
  for (let i = 0; i < runs; i++) {
    writeFileSync(join(project, 'site', 'index.html'), `<h1>edit ${i} ${Date.now()}</h1>\n`);
    samples.edit.push(await timedUp(home, envId));
    log(`edit ${i + 1}/${runs}: ${samples.edit.at(-1).ms.toFixed(0)} ms`);
  }
  await preevy(home, 'down', '--id', envId);
} finally {
  for (const h of homes) stopTunnelServer(h);
  rmSync(root, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (xs) => ({ runs: xs.length, medianMs: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs), spreadMs: Math.max(...xs) - Math.min(...xs) });
const scenarios = { cold: stats(samples.cold.map((s) => s.ms)), noChange: stats(samples.noChange.map((s) => s.ms)), edit: stats(samples.edit.map((s) => s.ms)) };
const stepsOf = (list) => Object.fromEntries(Object.keys(list[0]?.steps ?? {}).map((name) => [name, median(list.map((s) => s.steps[name] ?? 0))]));
const steps = { cold: stepsOf(samples.cold), noChange: stepsOf(samples.noChange), edit: stepsOf(samples.edit) };

const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const table = (header, rows) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
};
const cold = scenarios.cold.medianMs;
console.log(
  table(
    ['scenario', 'runs', 'median', 'min', 'max', 'spread', 'vs cold'],
    [
      ['cold', scenarios.cold],
      ['up, no change', scenarios.noChange],
      ['up, 1 file edited', scenarios.edit],
    ].map(([name, s]) => [name, String(s.runs), sec(s.medianMs), sec(s.minMs), sec(s.maxMs), sec(s.spreadMs), `${(s.medianMs / cold).toFixed(2)}x`]),
  ),
);
console.log(`\ntarget: up with no change <= ${sec(TARGET_NO_CHANGE_MS)}: median ${sec(scenarios.noChange.medianMs)} (${scenarios.noChange.medianMs <= TARGET_NO_CHANGE_MS ? 'met' : 'missed'})`);
console.log('\nwhere the time goes (median per progress step; the rest is CLI start-up and output):');
const names = [...new Set([...Object.keys(steps.cold), ...Object.keys(steps.noChange)])];
console.log(table(['step', 'cold', 'no change', 'edit'], names.map((n) => [n, sec(steps.cold[n] ?? 0), sec(steps.noChange[n] ?? 0), sec(steps.edit[n] ?? 0)])));

const resultsDir = join(REPO, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `up-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), runs, agentImageRemoved, targetNoChangeMs: TARGET_NO_CHANGE_MS, scenarios, steps, samples }, null, 2)}\n`);
console.log(`\nwrote ${file}`);
