// `preevy up` on the kube-pod driver (a dind pod on the test cluster) and the ssh driver (the
// stand-in SSH host: a container with sshd and dockerd) beside the docker driver (the local
// engine), interleaved run by run so all see the same machine load:
//   cold:      a new env id (kube-pod: a new pod; docker: new containers), project images removed
//   no change: `up` again on a deployed environment
//   edit:      `up` after changing one bind-mounted file
//   down:      removing a deployed environment
// Both columns use `--build-local` on kube-pod (the pod may reach no registry) and a tunnel server
// the pod and the stand-in reach (on the node's veth, checked by run.sh). Then one line: image transfer MB/s of
// the agent image by preevy vs `docker save | docker load` piped by hand through
// `kubectl port-forward`. Medians and kube-pod/docker ratios; nothing is asserted.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exec, freePort, loopbackProxy, median, sec, stepDurations, table } from '../lib.mjs';

// The stand-in SSH host of the tests, from their own support module (bundled by esbuild, as the build does).
// Written under node_modules/.cache so its external imports (ssh2) resolve from the repo's node_modules.
const standInModule = join(new URL('../../', import.meta.url).pathname, 'node_modules/.cache/preevy-bench/ssh-host.mjs');
const bundled = await exec(process.execPath, [join(new URL('../../', import.meta.url).pathname, 'scripts/bundle-node.mjs'), 'test/support/ssh-host.ts', standInModule]);
if (bundled.exitCode !== 0) throw new Error(`bundling the stand-in host support failed:\n${bundled.stderr}`);
const { startSshHost } = await import(standInModule);

const REPO = new URL('../../', import.meta.url).pathname;
const CLI = join(REPO, 'packages/cli/bin/run.js');
const { BENCH_KUBECONFIG: KUBECONFIG, BENCH_KUBECTL: KUBECTL, BENCH_HOST_IP: HOST_IP, BENCH_DIND_IMAGE: DIND } = process.env;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const log = (s) => process.stderr.write(`${s}\n`);
const timed = async (fn) => {
  const start = process.hrtime.bigint();
  const res = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, res };
};

const root = mkdtempSync(join(tmpdir(), 'preevy-bench-up-kube-'));
const project = join(root, 'hello');
cpSync(join(REPO, 'examples/hello'), project, { recursive: true });
const home = join(root, 'home');
const namespace = `preevy-bench-${process.pid}`;
const env = {
  ...process.env,
  NO_COLOR: '1',
  PREEVY_HOME: home,
  BASE_IMAGE: 'preevy-test/busybox:latest',
  NODE_IMAGE: 'preevy-test/node:20',
  PREEVY_AGENT_BASE_IMAGE: 'preevy-test/node:20',
  PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest',
  WEB_PORT: String(await freePort()),
  API_PORT: String(await freePort()),
};
const preevy = (...args) => exec(process.execPath, [CLI, ...args], { cwd: project, env });
const must = async (what, p) => {
  const res = await p;
  if (res.exitCode !== 0) throw new Error(`${what} failed (${res.exitCode}):\n${res.stderr}`);
  return res;
};

// The tunnel server for both columns, on the node's veth (pods reach it; run.sh checked the link).
const [ssh, http, admin] = [await freePort(), await freePort(), await freePort()];
// Visitors (preevy's URL probe) use *.localhost URLs: a loopback proxy in front of the server's HTTP port.
const visitors = await loopbackProxy(HOST_IP, http);
const server = spawn(process.execPath, [CLI, 'tunnel-server', '--listen-host', HOST_IP, '--ssh-port', String(ssh), '--http-port', String(http), '--admin-port', String(admin),
  '--base-url', `http://bench.localhost:${visitors.port}`, '--host-key-file', join(root, 'host_key')], {
  stdio: 'ignore',
  env,
});
for (let i = 0; !(await fetch(`http://127.0.0.1:${admin}/healthz`).then((r) => r.ok, () => false)); i++) {
  if (i > 150) throw new Error('the tunnel server did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const tunnel = ['--tunnel-url', `ssh://${HOST_IP}:${ssh}`];
await must('profile create (docker)', preevy('profile', 'create', 'dock', ...tunnel));
await must('profile create (kube-pod)', preevy('profile', 'create', 'kube', '--driver', 'kube-pod', '--kube-pod-namespace', namespace, '--kube-pod-kubeconfig', KUBECONFIG, '--kube-pod-dind-image', DIND, '--kube-pod-create-namespace', ...tunnel));
const standIn = await startSshHost(`preevy-bench-ssh-${process.pid}`, root);
await must('profile create (ssh)', preevy('profile', 'create', 'box', '--driver', 'ssh', '--ssh-host', standIn.target, '--ssh-identity-file', standIn.identityFile, '--ssh-host-key', await standIn.hostKey(), ...tunnel));

const columns = [
  { name: 'docker', args: ['--profile', 'dock'] },
  { name: 'kube-pod', args: ['--profile', 'kube', '--build-local'] },
  { name: 'ssh', args: ['--profile', 'box', '--build-local'] },
];
const samples = Object.fromEntries(columns.map((c) => [c.name, { cold: [], noChange: [], edit: [], down: [] }]));
// Step titles name the env, its host and namespace: one name per step across runs.
const stepName = (title) => title.replace(/\bpreevy-bench-\d+|\bbench-[\w.-]+|(?<=127\.0\.0\.1:)\d+/g, '…');
const steps = Object.fromEntries(columns.map((c) => [c.name, []]));
const up = async (c, id, scenario) => {
  const { ms, res } = await timed(() => must(`${c.name} up ${id}`, preevy('up', '--id', id, '--json', ...c.args)));
  if (scenario) steps[c.name].push({ scenario, ms, steps: Object.fromEntries(Object.entries(stepDurations(res.stderr)).map(([k, v]) => [stepName(k), v])) });
  return ms;
};
const down = async (c, id) => (await timed(() => must(`${c.name} down ${id}`, preevy('down', '--id', id, '--profile', c.args[1])))).ms;
let transfer;
try {
  for (let i = 0; i < runs; i++) {
    for (const c of columns.map((_, k) => columns[(k + i) % columns.length])) {
      const id = `bench-${c.name}-${i}`;
      await exec('docker', ['image', 'rm', '-f', `${id}-web`, `${id}-api`]);
      samples[c.name].cold.push(await up(c, id, 'cold'));
      samples[c.name].noChange.push(await up(c, id, 'noChange'));
      writeFileSync(join(project, 'site', 'index.html'), `<h1>edit ${i} ${Date.now()}</h1>\n`);
      samples[c.name].edit.push(await up(c, id, 'edit'));
      samples[c.name].down.push(await down(c, id));
      log(`run ${i + 1}/${runs} ${c.name}: ${Object.entries(samples[c.name]).map(([k, v]) => `${k} ${(v.at(-1) / 1000).toFixed(1)} s`).join(', ')}`);
    }
  }
  transfer = await measureTransfer();
} finally {
  server.kill('SIGTERM');
  visitors.close();
  await standIn.remove();
  await exec(KUBECTL, ['--kubeconfig', KUBECONFIG, 'delete', 'namespace', namespace, '--wait=false']);
  rmSync(root, { recursive: true, force: true });
}

/** The agent image into a fresh dind pod: by preevy (`--json` bytes and its step time) and by hand through kubectl port-forward. */
async function measureTransfer() {
  const kubectl = (...args) => exec(KUBECTL, ['--kubeconfig', KUBECONFIG, '-n', namespace, ...args]);
  const id = 'bench-transfer';
  const res = await must('kube-pod up (transfer)', preevy('up', '--id', id, '--json', '--profile', 'kube', '--build-local'));
  const out = JSON.parse(res.stdout);
  const agent = (out.images ?? []).find((i) => i.image.startsWith('preevy/agent:'));
  // The plain progress line of the agent image's own step: `Sending image <tag> (N MB) to ...: done (1.2s)`.
  const escaped = (agent?.image ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const step = agent && new RegExp(`Sending image ${escaped} [^\\n]*: done \\((\\d+(?:\\.\\d+)?)(ms|s)\\)`).exec(res.stderr);
  const pod = (await kubectl('get', 'pods', '-l', `dev.preevy.env-id=${id}`, '-o', 'jsonpath={.items[0].metadata.name}')).stdout.trim();
  const port = await freePort();
  const forward = spawn(KUBECTL, ['--kubeconfig', KUBECONFIG, '-n', namespace, 'port-forward', pod, `${port}:2375`], { stdio: 'ignore' });
  try {
    for (let i = 0; !(await fetch(`http://127.0.0.1:${port}/_ping`).then((r) => r.ok, () => false)); i++) {
      if (i > 100) throw new Error('kubectl port-forward did not answer');
      await new Promise((r) => setTimeout(r, 100));
    }
    const image = agent?.image ?? 'preevy-test/node:20';
    await exec('docker', ['-H', `tcp://127.0.0.1:${port}`, 'image', 'rm', '-f', image]);
    const size = Number((await exec('docker', ['image', 'inspect', '--format', '{{.Size}}', image])).stdout.trim());
    const byHand = await timed(() => exec('sh', ['-c', `docker save "${image}" | docker -H tcp://127.0.0.1:${port} load`]));
    return {
      image,
      preevy: agent && step ? { bytes: agent.bytes, ms: Number(step[1]) * (step[2] === 's' ? 1000 : 1), note: 'its progress step, 0.1 s resolution' } : undefined,
      byHand: { bytes: size, ms: byHand.ms },
    };
  } finally {
    forward.kill('SIGTERM');
    await must('kube-pod down (transfer)', preevy('down', '--id', id, '--profile', 'kube'));
  }
}

const SCENARIOS = [['cold', 'cold up'], ['noChange', 'up, no change'], ['edit', 'up, 1 file edited'], ['down', 'down']];
const summary = Object.fromEntries(SCENARIOS.map(([s]) => [s, { docker: median(samples.docker[s]), kube: median(samples['kube-pod'][s]), ssh: median(samples.ssh[s]) }]));
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
console.log(`median of ${runs} runs each, same machine, interleaved`);
console.log(
  table(
    ['scenario', 'docker', 'kube-pod', 'ssh', 'kube-pod / docker', 'ssh / docker'],
    SCENARIOS.map(([s, label]) => [label, sec(summary[s].docker), sec(summary[s].kube), sec(summary[s].ssh), ratio(summary[s].kube, summary[s].docker), ratio(summary[s].ssh, summary[s].docker)]),
  ),
);
console.log(`\ntargets: no-change up on kube-pod <= 1.5x docker's: ${(summary.noChange.kube / summary.noChange.docker).toFixed(2)}x (${summary.noChange.kube <= 1.5 * summary.noChange.docker ? 'met' : 'missed'}); cold up <= 60 s: ${sec(summary.cold.kube)} (${summary.cold.kube <= 60_000 ? 'met' : 'missed'})`);
// Where the time goes in an unchanged up: the median of each progress step, and of the rest.
const OTHER = '(start-up, records, output)';
const stepsOf = (name, scenario) => {
  const list = steps[name].filter((x) => x.scenario === scenario);
  const names = [...new Set(list.flatMap((x) => Object.keys(x.steps)))];
  return { ...Object.fromEntries(names.map((n) => [n, median(list.map((x) => x.steps[n] ?? 0))])), [OTHER]: median(list.map((x) => x.ms - Object.values(x.steps).reduce((a, b) => a + b, 0))) };
};
const noChangeSteps = Object.fromEntries(columns.map((c) => [c.name, stepsOf(c.name, 'noChange')]));
const noChangeNames = [...new Set(columns.flatMap((c) => Object.keys(noChangeSteps[c.name])))].sort((a, b) => (a === OTHER) - (b === OTHER));
console.log(`\nup, no change, by step (median):`);
console.log(table(['step', ...columns.map((c) => c.name)], noChangeNames.map((n) => [n, ...columns.map((c) => (noChangeSteps[c.name][n] === undefined ? '-' : sec(noChangeSteps[c.name][n])))])));
const mbps = (t) => (t ? `${(t.bytes / 1e6 / (t.ms / 1000)).toFixed(1)} MB/s (${(t.bytes / 1e6).toFixed(0)} MB in ${sec(t.ms)})` : 'n/a');
console.log(`image transfer of ${transfer.image}: preevy ${mbps(transfer.preevy)} vs docker save | docker load through kubectl port-forward ${mbps(transfer.byHand)}`);
const resultsDir = join(REPO, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `up-kube-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), runs, summary, samples, steps, transfer }, null, 2)}\n`);
console.log(`\nwrote ${file}`);
