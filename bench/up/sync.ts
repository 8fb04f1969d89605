import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDockerTcpProxy } from '../../test/support/docker-tcp-proxy.js';

/**
 * Bind-mount sync benchmark: one directory of many small files and a few large ones, synced to a
 * Docker host that looks remote (the local engine behind a TCP proxy, as the int tests do), cold
 * (empty sync volume) then unchanged (every file skipped by its hash). Each sync runs in its own
 * process (bench/up/sync-once.mjs) so its peak RSS is its own, once with this checkout's core and
 * once with the baseline's (BENCH_BASELINE_CORE, built by sync.sh). Not a test: nothing is asserted.
 */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SYNC_IMAGE = 'preevy-test/busybox:latest';
const MB = 1024 * 1024;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '1' }, files: { type: 'string', default: '20000' }, mb: { type: 'string', default: '1024' } } });
const runs = Number(values.runs);
const fileCount = Number(values.files);
const totalBytes = Number(values.mb) * MB;
const LARGE_FILES = 8;
const LARGE_SHARE = 0.75;

const log = (s: string): void => void process.stderr.write(`${s}\n`);

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}
const run = (file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> =>
  new Promise((done) => {
    execFile(file, [...args], { env, maxBuffer: 64 * MB }, (err, stdout, stderr) => done({ exitCode: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });

/** `fileCount` files totalling `totalBytes`: a quarter of the bytes in small files of varied size, the rest in a few large ones. */
const makeTree = async (root: string): Promise<{ files: number; bytes: number }> => {
  const block = randomBytes(MB);
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const smallCount = fileCount - LARGE_FILES;
  const smallAverage = ((1 - LARGE_SHARE) * totalBytes) / smallCount;
  let bytes = 0;
  for (let i = 0; i < smallCount; i++) {
    const dir = join(root, `d${String(i % 100).padStart(3, '0')}`);
    if (i < 100) mkdirSync(dir, { recursive: true });
    const size = Math.max(16, Math.round(smallAverage * 2 * random()));
    const offset = Math.floor(random() * (MB - size));
    const content = Buffer.from(block.subarray(offset, offset + size));
    content.write(`file ${i}\n`); // no two files alike
    writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.txt`), content);
    bytes += size;
  }
  const largeSize = Math.floor((LARGE_SHARE * totalBytes) / LARGE_FILES);
  mkdirSync(join(root, 'large'));
  for (let i = 0; i < LARGE_FILES; i++) {
    const handle = await open(join(root, 'large', `blob-${i}.bin`), 'w');
    for (let written = 0; written < largeSize; written += MB) {
      const chunk = Buffer.from(block.subarray(0, Math.min(MB, largeSize - written)));
      chunk.writeUInt32BE(i, 0);
      chunk.writeUInt32BE(written / MB, 4);
      await handle.write(chunk);
    }
    await handle.close();
    bytes += largeSize;
  }
  return { files: fileCount, bytes };
};

interface Sample {
  ms: number;
  maxRssKb: number;
  sent: number;
  unchanged: number;
  deleted: number;
  bytes: number;
}

const syncOnce = async (core: string, dir: string, envId: string, dockerHost: string): Promise<Sample> => {
  const res = await run(process.execPath, [join(REPO, 'bench/up/sync-once.mjs'), core, dir, envId, dockerHost, SYNC_IMAGE]);
  if (res.exitCode !== 0) throw new Error(`sync with ${core} failed (${res.exitCode}):\n${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Sample;
};

const implementations = [
  ...(process.env.BENCH_BASELINE_CORE ? [{ name: process.env.BENCH_BASELINE_LABEL ?? 'before', core: process.env.BENCH_BASELINE_CORE }] : []),
  { name: 'after (this checkout)', core: join(REPO, 'packages/core/dist/index.js') },
];
const scenarios = ['cold', 'unchanged'] as const;
type Scenario = (typeof scenarios)[number];

const root = mkdtempSync(join(tmpdir(), 'preevy-bench-sync-'));
const proxy = await startDockerTcpProxy();
const volumes = new Set<string>();
const samples: Record<string, Record<Scenario, Sample[]>> = Object.fromEntries(implementations.map((i) => [i.name, { cold: [], unchanged: [] }]));
let tree = { files: 0, bytes: 0 };
try {
  log(`making ${fileCount} files, ${(totalBytes / MB).toFixed(0)} MB in ${root}`);
  tree = await makeTree(join(root, 'tree'));
  for (let r = 0; r < runs; r++) {
    // Alternate the order so neither side always runs on a warmer page cache.
    const order = r % 2 ? [...implementations].reverse() : implementations;
    for (const impl of order) {
      const envId = `bench-sync-${randomBytes(3).toString('hex')}`;
      volumes.add(`preevy-sync-${envId}`);
      for (const scenario of scenarios) {
        const s = await syncOnce(impl.core, join(root, 'tree'), envId, proxy.dockerHost);
        samples[impl.name]![scenario].push(s);
        log(`${impl.name}, ${scenario} ${r + 1}/${runs}: ${(s.ms / 1000).toFixed(1)} s, peak RSS ${(s.maxRssKb / 1024).toFixed(0)} MB, ${s.sent} sent`);
      }
      await run('docker', ['volume', 'rm', '--force', `preevy-sync-${envId}`]);
      volumes.delete(`preevy-sync-${envId}`);
    }
  }
} finally {
  if (volumes.size) await run('docker', ['volume', 'rm', '--force', ...volumes]);
  await proxy.close();
  rmSync(root, { recursive: true, force: true });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
};
const summary = Object.fromEntries(
  implementations.map(({ name }) => [
    name,
    Object.fromEntries(scenarios.map((sc) => [sc, { medianMs: median(samples[name]![sc].map((s) => s.ms)), peakRssKb: Math.max(...samples[name]![sc].map((s) => s.maxRssKb)), sent: samples[name]![sc][0]!.sent, bytes: samples[name]![sc][0]!.bytes }])),
  ]),
) as Record<string, Record<Scenario, { medianMs: number; peakRssKb: number; sent: number; bytes: number }>>;
const base = implementations.length > 1 ? summary[implementations[0]!.name] : undefined;
console.log(`sync of ${tree.files} files, ${(tree.bytes / MB).toFixed(0)} MB to a Docker host over TCP, ${runs} run(s) each (median time, highest peak RSS of the syncing process)\n`);
console.log(
  table(
    ['core', 'sync', 'time', 'peak RSS', 'sent', 'MB sent', ...(base ? ['time vs before', 'RSS vs before'] : [])],
    implementations.flatMap(({ name }) =>
      scenarios.map((sc) => {
        const s = summary[name]![sc];
        return [
          name,
          sc,
          `${(s.medianMs / 1000).toFixed(2)} s`,
          `${(s.peakRssKb / 1024).toFixed(0)} MB`,
          String(s.sent),
          (s.bytes / MB).toFixed(0),
          ...(base ? [`${(s.medianMs / base[sc].medianMs).toFixed(2)}x`, `${(s.peakRssKb / base[sc].peakRssKb).toFixed(2)}x`] : []),
        ];
      }),
    ),
  ),
);

const resultsDir = join(REPO, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `sync-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), runs, tree, implementations, summary, samples }, null, 2)}\n`);
console.log(`\nwrote ${file}`);
