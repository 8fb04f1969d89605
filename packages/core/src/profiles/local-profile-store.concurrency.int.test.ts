import { execFile as execFileCb, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProfileStore } from './local-profile-store.js';
import { envRecordSchema } from './profile-schema.js';

const execFile = promisify(execFileCb);
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const STORE_MODULE = fileURLToPath(new URL('./local-profile-store.ts', import.meta.url));

const PROCESSES = 5;
const WRITES_PER_PROCESS = 10; // 50 writes of own records + 50 read-modify-writes of one shared record
// Children start together at a set time, after their (uneven) start-up, so their writes overlap.
const START_DELAY_MS = 1_500;

// Each child writes its own records and appends to one shared record: a lost update (two
// read-modify-writes interleaved) or a torn file (a write seen half done) shows up in the result.
const WRITER = `
import { LocalProfileStore } from ${JSON.stringify(STORE_MODULE)};
const [root, worker, count, startAt] = process.argv.slice(2);
const envs = new LocalProfileStore({ root }).envs('shared');
(async () => {
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
  for (let i = 0; i < Number(count); i++) {
    await envs.update(\`w\${worker}-\${i}\`, () => ({ envId: \`w\${worker}-\${i}\`, composeProject: 'app', driver: 'docker', status: 'up',
      urls: [{ service: 'web', port: 80, url: \`http://w\${worker}-\${i}.example.com/\` }] }));
    await envs.update('counter', (prev) => ({ envId: 'counter', composeProject: 'app', driver: 'docker', status: 'up',
      urls: [...(prev?.urls ?? []), { service: \`w\${worker}\`, port: i + 1, url: \`http://w\${worker}-\${i}.example.com/\` }] }));
  }
})().catch((err) => { console.error(err); process.exit(1); });
`;

const run = (script: string, args: string[]): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });

describe('LocalProfileStore under concurrent processes', () => {
  let dir: string;
  let script: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-profiles-concurrency-'));
    await writeFile(join(dir, 'writer.ts'), WRITER);
    script = join(dir, 'writer.cjs');
    // Node 20 cannot run TypeScript: bundle the real store source into one script for the children.
    await execFile(join(REPO_ROOT, 'node_modules', '.bin', 'esbuild'), [
      join(dir, 'writer.ts'),
      '--bundle',
      '--platform=node',
      '--format=cjs',
      '--conditions=@preevy/source',
      `--outfile=${script}`,
      '--log-level=warning',
    ]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should keep every record intact and lose no update when several processes write one profile at once', async () => {
    const root = join(dir, 'profiles');
    await new LocalProfileStore({ root }).create({ name: 'shared' });

    const startAt = String(Date.now() + START_DELAY_MS);
    const results = await Promise.all(Array.from({ length: PROCESSES }, (_, w) => run(script, [root, String(w), String(WRITES_PER_PROCESS), startAt])));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });

    const envDir = join(root, 'shared', 'envs');
    const files = (await readdir(envDir)).sort();
    // No temp file left behind, one file per record.
    expect(files).toHaveLength(PROCESSES * WRITES_PER_PROCESS + 1);
    for (const file of files) {
      expect(file).toMatch(/^(w\d-\d+|counter)\.json$/);
      expect(envRecordSchema.safeParse(JSON.parse(await readFile(join(envDir, file), 'utf8'))).success, file).toBe(true);
    }
    const counter = await new LocalProfileStore({ root }).envs('shared').read('counter');
    const appended = counter!.urls.map((u) => `${u.service}:${u.port}`).sort();
    const expected = Array.from({ length: PROCESSES }, (_, w) => Array.from({ length: WRITES_PER_PROCESS }, (__, i) => `w${w}:${i + 1}`)).flat().sort();
    expect(appended).toEqual(expected);
    // Every lock was released.
    expect((await readdir(root)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });
});
