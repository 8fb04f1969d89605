// Port-forward benchmark: the same dind pod reached three ways, side by side in one run:
//   direct   from inside the node's network namespace to the pod IP (no forward at all)
//   kubectl  `kubectl port-forward` (SPDY), the tool users compare us with
//   preevy   forwardPort of packages/driver-kube-pod (WebSocket), which the kube-pod driver uses
// Prints a table of ratios; writes bench/results/kube-forward-<timestamp>.json. Never asserts.
// Usage: bash bench/kube-forward/run.sh [--runs N] [--pings N]
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = opt('runs', 3);
const PINGS = opt('pings', 500);
const BLOB_MB = 200;
const UPLOAD_IMAGE = 'preevy-test/node:20';

// Paths of the test cluster, from test/infra/kube/env.sh (run.sh passes them on).
const { BENCH_KUBECONFIG: KUBECONFIG, BENCH_KUBECTL: KUBECTL, BENCH_NETNS: NETNS } = process.env;
if (!KUBECONFIG || !KUBECTL || !NETNS) throw new Error('run bench/kube-forward/run.sh, which sets BENCH_KUBECONFIG, BENCH_KUBECTL and BENCH_NETNS');
const NS = `preevy-bench-${process.pid}`;
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const kubectl = (...a) => execFileSync(KUBECTL, ['--kubeconfig', KUBECONFIG, ...a], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim();

const manifest = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'dind', namespace: NS },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'bench-dind' } },
    template: {
      metadata: { labels: { app: 'bench-dind' } },
      spec: {
        containers: [
          {
            name: 'dind',
            image: 'docker.io/preevy-test/dind:k8s',
            imagePullPolicy: 'IfNotPresent',
            securityContext: { privileged: true },
            readinessProbe: { exec: { command: ['docker', 'version'] }, periodSeconds: 1, failureThreshold: 300 },
            volumeMounts: [{ name: 'docker', mountPath: '/var/lib/docker' }],
          },
        ],
        volumes: [{ name: 'docker', emptyDir: {} }],
      },
    },
  },
};

/** Starts a forwarder; resolves with its pid and the local port per pod port once it listens. */
const startForwarder = (cmd, argv, parse) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    const ports = {};
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start listening`)), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      Object.assign(ports, parse(line));
      if (ports[2375] && ports[8080]) {
        clearTimeout(timer);
        resolve({ child, ports });
      }
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited (${code})`)));
  });

/** VmRSS (now) or VmHWM (peak) of a process, in MB. */
const rssMb = (pid, field) => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

const client = (path, url, mode, arg) => {
  const argv = [join(HERE, 'client.mjs'), url, mode, String(arg)];
  const out = path.netns ? execFileSync('nsenter', [`--net=${NETNS}`, process.execPath, ...argv], { encoding: 'utf8' }) : execFileSync(process.execPath, argv, { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const tarFile = join(tmpdir(), `preevy-bench-${process.pid}.tar`);
const forwarders = [];
try {
  log(`namespace ${NS}: dind Deployment`);
  kubectl('create', 'namespace', NS);
  execFileSync(KUBECTL, ['--kubeconfig', KUBECONFIG, 'apply', '-f', '-'], { input: JSON.stringify(manifest) });
  kubectl('-n', NS, 'wait', 'deploy/dind', '--for=condition=Available', '--timeout=180s');
  const pod = kubectl('-n', NS, 'get', 'pods', '-l', 'app=bench-dind', '-o', 'jsonpath={.items[0].metadata.name}');
  const podIp = kubectl('-n', NS, 'get', 'pod', pod, '-o', 'jsonpath={.status.podIP}');
  log(`pod ${pod} (${podIp}): loading busybox, serving a ${BLOB_MB} MB blob on :8080`);
  execFileSync('sh', ['-c', `docker save preevy-test/busybox:latest | '${KUBECTL}' --kubeconfig '${KUBECONFIG}' -n ${NS} exec -i ${pod} -- docker load`], { stdio: ['ignore', 'ignore', 'inherit'] });
  kubectl('-n', NS, 'exec', pod, '--', 'docker', 'run', '-d', '--network', 'host', '--name', 'blob', 'preevy-test/busybox:latest', 'sh', '-c',
    `mkdir -p /www && dd if=/dev/urandom of=/www/blob bs=1M count=${BLOB_MB} 2>/dev/null && touch /www/ready && httpd -f -p 8080 -h /www`);
  for (let i = 0; i < 120 && !kubectl('-n', NS, 'exec', pod, '--', 'docker', 'exec', 'blob', 'sh', '-c', 'test -f /www/ready && echo y || true'); i++) await new Promise((r) => setTimeout(r, 500));
  log(`docker save ${UPLOAD_IMAGE} (the upload: a docker load through each path)`);
  execFileSync('docker', ['save', '-o', tarFile, UPLOAD_IMAGE]);

  const kc = await startForwarder(KUBECTL, ['--kubeconfig', KUBECONFIG, '-n', NS, 'port-forward', '--address', '127.0.0.1', `pod/${pod}`, ':2375', ':8080'], (line) => {
    const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(line);
    return m ? { [m[2]]: Number(m[1]) } : {};
  });
  forwarders.push(kc.child);
  const pv = await startForwarder(process.execPath, [join(HERE, 'forward.mjs'), KUBECONFIG, NS, pod, '2375', '8080'], (line) => JSON.parse(line));
  forwarders.push(pv.child);
  await new Promise((r) => setTimeout(r, 500));
  const restRss = { kubectl: rssMb(kc.child.pid, 'VmRSS'), preevy: rssMb(pv.child.pid, 'VmRSS') };
  const paths = [
    { name: 'direct', netns: true, api: `http://${podIp}:2375`, blob: `http://${podIp}:8080` },
    { name: 'kubectl', api: `http://127.0.0.1:${kc.ports[2375]}`, blob: `http://127.0.0.1:${kc.ports[8080]}`, pid: kc.child.pid },
    { name: 'preevy', api: `http://127.0.0.1:${pv.ports[2375]}`, blob: `http://127.0.0.1:${pv.ports[8080]}`, pid: pv.child.pid },
  ];

  const results = Object.fromEntries(paths.map((p) => [p.name, { p50: [], p90: [], download: [], upload: [] }]));
  for (let run = 1; run <= RUNS; run++) {
    // Paths take turns within each run, so drift on a noisy machine hits all of them alike.
    for (const p of paths) {
      log(`run ${run}/${RUNS}: ${p.name}`);
      const ping = client(p, p.api, 'ping', PINGS);
      const down = client(p, p.blob, 'download', '/blob');
      if (down.status !== 200 || down.bytes !== BLOB_MB * 1024 * 1024) throw new Error(`${p.name}: download got ${down.status}, ${down.bytes} bytes`);
      const up = client(p, p.api, 'upload', tarFile);
      if (up.status !== 200) throw new Error(`${p.name}: docker load answered ${up.status}`);
      const r = results[p.name];
      r.p50.push(ping.p50);
      r.p90.push(ping.p90);
      r.download.push(down.mbPerSec);
      r.upload.push(up.mbPerSec);
    }
  }
  const summary = Object.fromEntries(
    paths.map((p) => {
      const r = results[p.name];
      return [p.name, { p50: median(r.p50), p90: median(r.p90), download: median(r.download), upload: median(r.upload), restRssMb: restRss[p.name], peakRssMb: p.pid ? rssMb(p.pid, 'VmHWM') : undefined }];
    }),
  );

  const fmt = (v, unit) => (v === undefined || Number.isNaN(v) ? '-' : `${v.toFixed(unit === 'µs' ? 0 : 1)} ${unit}`);
  const x = (a, b) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}×`);
  const rows = [
    ['metric', 'direct', 'kubectl', 'preevy', 'preevy/direct', 'preevy/kubectl'],
    ...[
      ['GET /_ping p50 (serial, keep-alive)', 'p50', 'µs'],
      ['GET /_ping p90', 'p90', 'µs'],
      [`download ${BLOB_MB} MB`, 'download', 'MB/s'],
      [`upload: docker load ${UPLOAD_IMAGE}`, 'upload', 'MB/s'],
      ['forwarder RSS at rest (listening)', 'restRssMb', 'MB'],
      ['forwarder peak RSS', 'peakRssMb', 'MB'],
    ].map(([label, key, unit]) => [
      label,
      fmt(summary.direct[key], unit),
      fmt(summary.kubectl[key], unit),
      fmt(summary.preevy[key], unit),
      x(summary.preevy[key], summary.direct[key]),
      x(summary.preevy[key], summary.kubectl[key]),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`\nport-forward to a dind pod, medians of ${RUNS} runs (${PINGS} pings each)\n`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  const out = join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, `kube-forward-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ runs: RUNS, pings: PINGS, blobMb: BLOB_MB, uploadImage: UPLOAD_IMAGE, results, summary }, null, 2));
  console.log(`\n${file}`);
} finally {
  for (const c of forwarders) c.kill('SIGTERM');
  rmSync(tarFile, { force: true });
  try {
    kubectl('delete', 'namespace', NS, '--wait=false');
  } catch {
    // the cluster went away: nothing to clean
  }
}
