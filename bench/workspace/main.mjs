// `preevy workspace up` and `workspace ssh` on the docker and kube-pod drivers, beside the
// reference CLI alone (`devcontainer up` of @devcontainers/cli on the same fixture and the same
// engine) as the floor, interleaved run by run so every column sees the same machine load.
// Each run, per driver, in this order (the two columns alternate which goes first):
//   cold:      preevy: `workspace down --yes` first (container, /workspaces volume, agent, record;
//              on kube-pod the whole dind pod, so a new pod and every image sent again), the
//              devcontainer images it built removed; floor: its container and built images removed.
//              Both: a new build-arg value so the Dockerfile and feature layers rebuild (no layer
//              cache), base images kept; preevy's per-host runtime and agent image kept on docker.
//   no change: up again on what the cold run left.
//   edit:      up after changing one file of the sources (notes.txt).
//   ssh:       `preevy workspace ssh NAME -- true` and stock `ssh -F <ssh-config> HOST true` (the same
//              chain without the outer CLI) vs `docker exec <container> true` on the same engine.
// Medians and preevy/floor ratios are printed, JSON goes to bench/results/; nothing is asserted.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { exec as execUntilDone, freePort, loopbackProxy, median, sec, stepDurations, table } from '../lib.mjs';

// On SIGINT/SIGTERM every program still running is stopped before the clean-up, so none makes a
// container after it; what starts later (the clean-up's own calls) runs to the end.
const interrupt = new AbortController();
const exec = (file, args, opts = {}) => execUntilDone(file, args, { ...opts, ...(interrupt.signal.aborted ? {} : { signal: interrupt.signal }) });

const REPO = new URL('../../', import.meta.url).pathname;
const CLI = join(REPO, 'packages/cli/bin/run.js');
const DEVCONTAINER = join(REPO, 'node_modules/@devcontainers/cli/devcontainer.js');
const FIXTURE = join(REPO, 'test/fixtures/workspace-basic');
const BASE_IMAGE = 'preevy-test/node:20';
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, drivers: { type: 'string', default: 'docker,kube-pod' }, 'ssh-samples': { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const sshSamples = Number(values['ssh-samples']);
const drivers = values.drivers.split(',');
if (!(runs > 0) || !(sshSamples > 0) || !drivers.length || drivers.some((d) => !['docker', 'kube-pod'].includes(d))) {
  throw new Error('usage: main.mjs [--runs N] [--drivers docker,kube-pod] [--ssh-samples N]');
}
const kube = drivers.includes('kube-pod');
const { BENCH_KUBECONFIG: KUBECONFIG, BENCH_KUBECTL: KUBECTL, BENCH_HOST_IP, BENCH_DIND_IMAGE: DIND } = process.env;
if (kube && !(KUBECONFIG && KUBECTL && BENCH_HOST_IP && DIND)) throw new Error('kube-pod needs BENCH_KUBECONFIG, BENCH_KUBECTL, BENCH_HOST_IP, BENCH_DIND_IMAGE: run it through bench/workspace/run.sh');
// Agents in a dind pod reach the tunnel server only on the node's veth (run.sh checked it exists).
const TUNNEL_HOST = kube ? BENCH_HOST_IP : '127.0.0.1';

const log = (s) => process.stderr.write(`${s}\n`);
const timed = async (fn) => {
  const start = process.hrtime.bigint();
  const res = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, res };
};
const must = async (what, p) => {
  const res = await p;
  if (res.exitCode !== 0) throw new Error(`${what} failed (${res.exitCode}):\n${res.stderr}\n${res.stdout}`);
  return res;
};

const tag = `${process.pid}`;
const root = mkdtempSync(join(tmpdir(), 'preevy-bench-workspace-'));
const env = {
  ...process.env,
  NO_COLOR: '1',
  PREEVY_HOME: join(root, 'home'),
  BASE_IMAGE: 'preevy-test/busybox:latest',
  NODE_IMAGE: BASE_IMAGE,
  PREEVY_AGENT_BASE_IMAGE: BASE_IMAGE,
  PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest',
};
const preevy = (...args) => exec(process.execPath, [CLI, ...args], { cwd: root, env });
const namespace = `preevy-bench-ws-${tag}`;

/** A copy of the fixture named `name`, its Dockerfile taking one more build arg: a new value per cold run rebuilds every layer after FROM. */
const fixtureCopy = (name, extraKeys = {}) => {
  const folder = join(root, name);
  cpSync(FIXTURE, folder, { recursive: true });
  const dockerfile = join(folder, '.devcontainer', 'Dockerfile');
  writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/^(FROM .*)$/m, '$1\nARG BENCH_COLD'));
  const config = join(folder, '.devcontainer', 'devcontainer.json');
  const extra = Object.entries(extraKeys).map(([k, v]) => `\n  ${JSON.stringify(k)}: ${JSON.stringify(v)},`).join('');
  const original = readFileSync(config, 'utf8').replace(/^\{/m, `{${extra}`);
  writeFileSync(config, original);
  if (!original.includes(`"BASE_IMAGE": "${BASE_IMAGE}"`)) throw new Error(`the fixture's devcontainer.json no longer sets BASE_IMAGE to ${BASE_IMAGE}: update bench/workspace/main.mjs`);
  return {
    folder,
    name,
    newBuild: (nonce) => writeFileSync(config, original.replace(`"BASE_IMAGE": "${BASE_IMAGE}"`, `"BASE_IMAGE": "${BASE_IMAGE}", "BENCH_COLD": "${nonce}"`)),
    edit: (text) => writeFileSync(join(folder, 'notes.txt'), text),
  };
};

/** The images the devcontainer CLI built for a folder (`vsc-<folder name>-<hash>[-features][-uid]`) on an engine. */
const removeBuiltImages = async (dockerHost, folderName) => {
  const dockerEnv = { ...process.env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) };
  const listed = await exec('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env: dockerEnv });
  const mine = listed.stdout.split('\n').filter((r) => r.startsWith(`vsc-${folderName}-`));
  if (mine.length) await exec('docker', ['image', 'rm', '-f', ...mine], { env: dockerEnv });
};

/** Our port-forward to a pod's dockerd (bench/kube-forward/forward.mjs: the driver's own forward, in a child process). */
const dindForward = async (pod) => {
  const child = spawn(process.execPath, [join(REPO, 'bench/kube-forward/forward.mjs'), KUBECONFIG, namespace, pod, '2375'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the port-forward to ${pod} exited (${code})`)));
  });
  const dockerHost = `tcp://127.0.0.1:${JSON.parse(line)['2375']}`;
  return { dockerHost, close: () => child.kill('SIGTERM') };
};
const podOf = async (envId) => {
  const res = await must('kubectl get pods', exec(KUBECTL, ['--kubeconfig', KUBECONFIG, '-n', namespace, 'get', 'pods', '-l', `dev.preevy.env-id=${envId}`, '--field-selector', 'status.phase=Running', '-o', 'jsonpath={.items[0].metadata.name}']));
  const pod = res.stdout.trim();
  if (!pod) throw new Error(`no running pod of ${envId} in ${namespace}`);
  return pod;
};

/** `preevy workspace …` on one driver (its own profile and workspace name). */
const preevyColumn = (driver) => {
  const fx = fixtureCopy(driver === 'docker' ? `wsbd${tag}` : `wsbk${tag}`);
  const profile = driver === 'docker' ? 'dock' : 'kube';
  const loadImage = driver === 'kube-pod' ? ['--load-image', BASE_IMAGE] : [];
  let containerId;
  let sshConfig;
  const prebuilt = new Set();
  const removePrebuilt = async () => {
    const mine = [...prebuilt].filter((i) => i.startsWith('preevy-ws-'));
    prebuilt.clear();
    if (mine.length) await exec('docker', ['image', 'rm', ...mine]);
  };
  const up = async (scenario) => {
    const { ms, res } = await timed(() => must(`${driver} workspace up (${scenario})`, preevy('workspace', 'up', fx.folder, '--profile', profile, '--json', ...loadImage)));
    const out = JSON.parse(res.stdout);
    containerId = out.containerId;
    // The prebuilt image it started from (docker: removed with the workspace, as the floor's vsc-* images are).
    if (driver === 'docker') prebuilt.add((await exec('docker', ['inspect', '--format', '{{.Config.Image}}', containerId])).stdout.trim());
    return { ms, steps: stepDurations(res.stderr), created: out.created, sent: out.sync.sent };
  };
  return {
    fx,
    async cold(nonce) {
      await must(`${driver} workspace down`, preevy('workspace', 'down', fx.name, '--yes', '--profile', profile));
      if (driver === 'docker') await Promise.all([removeBuiltImages(undefined, fx.name), removePrebuilt()]);
      fx.newBuild(nonce);
      return up('cold');
    },
    up,
    async ssh() {
      return (await timed(() => must(`${driver} workspace ssh`, preevy('workspace', 'ssh', fx.name, '--profile', profile, '--', 'true')))).ms;
    },
    async stockSsh() {
      sshConfig ??= JSON.parse((await must('workspace ssh-config', preevy('workspace', 'ssh-config', '--profile', profile, '--json'))).stdout).configFile;
      return (await timed(() => must(`${driver} ssh -F`, exec('ssh', ['-F', sshConfig, `${fx.name}.${profile}.preevy`, 'true'], { env })))).ms;
    },
    /** `docker exec <container> true` on the workspace's own engine (kube-pod: through a forward kept open meanwhile). */
    async dockerExec(samples) {
      const forward = driver === 'kube-pod' ? await dindForward(await podOf(`ws-${fx.name}`)) : undefined;
      try {
        const execEnv = { ...process.env, ...(forward ? { DOCKER_HOST: forward.dockerHost } : {}) };
        const out = [];
        for (let k = 0; k < samples; k++) out.push((await timed(() => must(`${driver} docker exec`, exec('docker', ['exec', containerId, 'true'], { env: execEnv })))).ms);
        return out;
      } finally {
        forward?.close();
      }
    },
    async cleanup() {
      await preevy('workspace', 'down', fx.name, '--yes', '--profile', profile);
      if (driver === 'docker') await Promise.all([removeBuiltImages(undefined, fx.name), removePrebuilt()]);
    },
  };
};

/** Plain `devcontainer up` on the same fixture and engine. */
const floorColumn = (driver, dockerHost) => {
  const name = driver === 'docker' ? `floord${tag}` : `floork${tag}`;
  // A dind engine cannot see this machine's folder: the workspace is an (empty) volume there, as preevy's is before its sync.
  const volume = `preevy-bench-floor-${tag}`;
  const fx = fixtureCopy(name, driver === 'kube-pod' ? { workspaceMount: `type=volume,source=${volume},target=/workspaces`, workspaceFolder: '/workspaces' } : {});
  const label = `dev.preevy.bench-floor=${fx.name}`;
  const dockerEnv = { ...env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) };
  const removeContainers = async () => {
    const ids = (await exec('docker', ['ps', '-aq', '--filter', `label=${label}`], { env: dockerEnv })).stdout.split('\n').filter(Boolean);
    if (ids.length) await exec('docker', ['rm', '-f', ...ids], { env: dockerEnv });
  };
  const up = async () => {
    const { ms, res } = await timed(() => must(`${driver} devcontainer up`, exec(process.execPath, [DEVCONTAINER, 'up', '--workspace-folder', fx.folder, '--id-label', label, '--log-format', 'json'], { cwd: fx.folder, env: dockerEnv })));
    const result = res.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).findLast((r) => r.outcome);
    if (result?.outcome !== 'success') throw new Error(`${driver} devcontainer up: ${res.stdout}`);
    return { ms, steps: {} };
  };
  return {
    fx,
    async cold(nonce) {
      await removeContainers();
      if (driver === 'kube-pod') await exec('docker', ['volume', 'rm', '-f', volume], { env: dockerEnv });
      await removeBuiltImages(dockerHost, fx.name);
      fx.newBuild(nonce);
      return up();
    },
    up,
    async cleanup() {
      await removeContainers();
      await removeBuiltImages(dockerHost, fx.name);
      if (driver === 'kube-pod') await exec('docker', ['volume', 'rm', '-f', volume], { env: dockerEnv });
    },
  };
};

const cleanups = [];
let cleaned;
/** Everything the run made, in reverse; once, also on SIGINT/SIGTERM. */
const cleanup = () =>
  (cleaned ??= (async () => {
    // A docker call a stopped program had already sent may still land: let it, then remove it.
    if (interrupt.signal.aborted) await new Promise((r) => setTimeout(r, 2000));
    log('cleaning up…');
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${err.message}`);
      }
    }
    rmSync(root, { recursive: true, force: true });
  })());
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    interrupt.abort();
    void cleanup().finally(() => process.exit(130));
  });
}

const SCENARIOS = [['cold', 'cold up'], ['noChange', 'up, no change'], ['edit', 'up, 1 file edited'], ['ssh', 'ssh -- true']];
const samples = Object.fromEntries(drivers.map((d) => [d, { preevy: { cold: [], noChange: [], edit: [], ssh: [], stockSsh: [] }, floor: { cold: [], noChange: [], edit: [], ssh: [] } }]));
const steps = Object.fromEntries(drivers.map((d) => [d, []]));
const load = { start: loadavg() };
try {
  // The tunnel server (workspace-basic forwards port 8080); visitors' *.localhost URLs through a loopback proxy.
  const [ssh, http, admin] = [await freePort(), await freePort(), await freePort()];
  const visitors = await loopbackProxy(TUNNEL_HOST, http);
  cleanups.push(() => visitors.close());
  const server = spawn(process.execPath, [CLI, 'tunnel-server', '--listen-host', TUNNEL_HOST, '--ssh-port', String(ssh), '--http-port', String(http), '--admin-port', String(admin),
    '--base-url', `http://bench.localhost:${visitors.port}`, '--host-key-file', join(root, 'host_key')], { stdio: 'ignore', env });
  cleanups.push(() => server.kill('SIGTERM'));
  for (let i = 0; !(await fetch(`http://127.0.0.1:${admin}/healthz`).then((r) => r.ok, () => false)); i++) {
    if (i > 150) throw new Error('the tunnel server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const tunnel = ['--tunnel-url', `ssh://${TUNNEL_HOST}:${ssh}`];
  await must('profile create (docker)', preevy('profile', 'create', 'dock', ...tunnel));

  const columns = {};
  if (drivers.includes('docker')) {
    columns.docker = { preevy: preevyColumn('docker'), floor: floorColumn('docker', undefined) };
    cleanups.push(() => columns.docker.preevy.cleanup(), () => columns.docker.floor.cleanup());
  }
  if (kube) {
    cleanups.push(() => exec(KUBECTL, ['--kubeconfig', KUBECONFIG, 'delete', 'namespace', namespace, '--wait=false']));
    await must('profile create (kube-pod)', preevy('profile', 'create', 'kube', '--driver', 'kube-pod', '--kube-pod-namespace', namespace, '--kube-pod-kubeconfig', KUBECONFIG, '--kube-pod-dind-image', DIND, '--kube-pod-create-namespace', ...tunnel));
    // The floor's engine: a dind pod of the same driver, made once by a workspace of the compose
    // fixture (no build), with the fixture's base image loaded; reached through the driver's forward.
    const floorHost = join(root, `wsbf${tag}`);
    cpSync(join(REPO, 'test/fixtures/workspace-compose'), floorHost, { recursive: true });
    log('kube-pod: making the floor\'s dind pod…');
    cleanups.push(() => preevy('workspace', 'down', `wsbf${tag}`, '--yes', '--profile', 'kube'));
    await must('floor host (kube-pod workspace up)', preevy('workspace', 'up', floorHost, '--profile', 'kube', '--load-image', BASE_IMAGE));
    const forward = await dindForward(await podOf(`ws-wsbf${tag}`));
    cleanups.push(() => forward.close());
    columns['kube-pod'] = { preevy: preevyColumn('kube-pod'), floor: floorColumn('kube-pod', forward.dockerHost) };
    cleanups.push(() => columns['kube-pod'].preevy.cleanup(), () => columns['kube-pod'].floor.cleanup());
  }
  if (columns.docker) {
    // Once, unmeasured: preevy's per-host runtime and agent images exist, as on any engine after its first workspace.
    log('docker: warm-up workspace up (not measured)…');
    await columns.docker.preevy.up('warm-up');
  }

  for (let i = 0; i < runs; i++) {
    for (const d of drivers.map((_, k) => drivers[(i + k) % drivers.length])) {
      const { preevy: p, floor: f } = columns[d];
      const pair = i % 2 ? [['floor', f], ['preevy', p]] : [['preevy', p], ['floor', f]];
      const record = (col, scenario, r) => {
        samples[d][col][scenario].push(r.ms);
        if (col === 'preevy') steps[d].push({ scenario, ms: r.ms, steps: r.steps, created: r.created, sent: r.sent });
      };
      for (const [col, c] of pair) record(col, 'cold', await c.cold(`${d}-${col}-${i}-${Date.now()}`));
      for (const [col, c] of pair) record(col, 'noChange', await c.up('noChange'));
      for (const [col, c] of pair) {
        c.fx.edit(`edit ${i} ${Date.now()}\n`);
        record(col, 'edit', await c.up('edit'));
      }
      for (let k = 0; k < sshSamples; k++) {
        samples[d].preevy.ssh.push(await p.ssh());
        samples[d].preevy.stockSsh.push(await p.stockSsh());
      }
      samples[d].floor.ssh.push(...(await p.dockerExec(sshSamples)));
      const last = (col) => Object.entries(samples[d][col]).map(([k, v]) => `${k} ${(v.at(-1) / 1000).toFixed(1)} s`).join(', ');
      log(`run ${i + 1}/${runs} ${d}: preevy ${last('preevy')}; floor ${last('floor')} (load ${loadavg()[0].toFixed(1)})`);
    }
  }
} finally {
  load.end = loadavg();
  await cleanup();
}

const summary = Object.fromEntries(drivers.map((d) => [d, Object.fromEntries([...SCENARIOS.map(([s]) => s), 'stockSsh'].map((s) => [s, { preevy: median(samples[d].preevy[s]), floor: median(samples[d].floor[s === 'stockSsh' ? 'ssh' : s]) }]))]));
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' ');
console.log(`median of ${runs} runs (ssh: ${runs * sshSamples} samples); load average at start ${fmtLoad(load.start)}, at end ${fmtLoad(load.end)} (${drivers.length > 1 ? 'drivers' : 'columns'} interleaved)`);
console.log('floor: devcontainer up of @devcontainers/cli alone on the same engine; for ssh, docker exec <container> true');
console.log(
  table(
    ['scenario', ...drivers.flatMap((d) => [`${d} preevy`, `${d} floor`, `${d} ratio`])],
    [...SCENARIOS, ['stockSsh', 'ssh -F config true']].map(([s, label]) => [label, ...drivers.flatMap((d) => [sec(summary[d][s].preevy), sec(summary[d][s].floor), ratio(summary[d][s].preevy, summary[d][s].floor)])]),
  ),
);
// Where preevy's time goes: the median of each progress step per scenario, and of the rest.
// "Sending image X" steps run inside "Sending images" (or another step): shown indented, not summed.
const OTHER = '(the rest: CLI start-up, host check, records)';
const nested = (n) => /^Sending image /.test(n);
// Step titles name the host, its namespace and forward port: one name per step across runs.
const stepName = (title) => (nested(title) ? `  ${title}` : title).replace(/\bpreevy-bench-ws-\d+/g, '…').replace(/\bws-[\w-]+/g, 'ws-…').replace(/(?<=127\.0\.0\.1:)\d+/g, '…');
const byStep = {};
for (const d of drivers) {
  byStep[d] = Object.fromEntries(SCENARIOS.slice(0, 3).map(([s]) => {
    const list = steps[d].filter((x) => x.scenario === s);
    const named = list.map((x) => Object.entries(x.steps).reduce((acc, [k, v]) => ({ ...acc, [stepName(k)]: (acc[stepName(k)] ?? 0) + v }), {}));
    const names = [...new Set(named.flatMap((x) => Object.keys(x)))];
    const rest = list.map((x) => x.ms - Object.entries(x.steps).filter(([k]) => !nested(k)).reduce((a, [, v]) => a + v, 0));
    return [s, { ...Object.fromEntries(names.map((n) => [n, median(named.map((x) => x[n] ?? 0))])), [OTHER]: median(rest) }];
  }));
  const names = [...new Set(Object.values(byStep[d]).flatMap((x) => Object.keys(x)))];
  // In the order a cold run meets them, the rest last.
  const order = [...new Set([...names.filter((n) => n in byStep[d].cold && n !== OTHER), ...names.filter((n) => n !== OTHER), OTHER])];
  console.log(`\n${d}: preevy workspace up by progress step (median; 0 where a run had no such step)`);
  console.log(table(['step', ...SCENARIOS.slice(0, 3).map(([, l]) => l)], order.map((n) => [n, ...SCENARIOS.slice(0, 3).map(([s]) => sec(byStep[d][s][n] ?? 0))])));
}
const resultsDir = join(REPO, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `workspace-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), runs, sshSamples, drivers, loadavg: load, summary, byStep, samples, steps }, null, 2)}\n`);
console.log(`\nwrote ${file}`);
