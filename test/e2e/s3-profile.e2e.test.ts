import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopEmbeddedTunnelServer } from '@preevy/cli';
import { execFile } from '../support/exec-file.js';
import { startMoto, type Moto } from '../support/moto.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, labelledResources, offlineEnv } from '../support/preevy-e2e.js';

interface ProfileJson {
  name: string;
  clientId: string;
  store?: string;
  current: boolean;
}
interface LsJson {
  envId: string;
  status?: string;
}

// The caller's own profile selection and AWS setup must not leak into the commands under test.
const { PREEVY_PROFILE: _p, PREEVY_PROFILE_FILE: _f, AWS_PROFILE: _a, AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, AWS_SESSION_TOKEN: _t, ...outerEnv } = process.env;

// A profile in S3 (moto on loopback) shared by two "machines" (two PREEVY_HOMEs), as two CI
// runners share one: created on one, linked on the other, both deploying at once.
describe('profiles in S3 (built binary, moto)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-s3-'));
  const project = join(root, 'hello');
  const homes = { a: join(root, 'home-a'), b: join(root, 'home-b') };
  const run = randomBytes(3).toString('hex');
  const envIds = { a: `s3-a-${run}`, b: `s3-b-${run}` };
  let moto: Moto;
  let url = '';
  const ports: Record<'a' | 'b', Record<string, string>> = { a: {}, b: {} };

  const preevy = (machine: 'a' | 'b', args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env: { ...offlineEnv(homes[machine]), ...outerEnv, PREEVY_HOME: homes[machine], ...moto.env, ...ports[machine], ...extraEnv }, timeoutMs: 240_000 });

  beforeAll(async () => {
    moto = await startMoto();
    await moto.createBucket('previews');
    url = moto.url('previews', `team-${run}`);
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    for (const m of ['a', 'b'] as const) ports[m] = { WEB_PORT: String(await freePort()), API_PORT: String(await freePort()) };
  });

  afterAll(async () => {
    if (moto) {
      for (const m of ['a', 'b'] as const) await preevy(m, ['down', '--profile', url, '--id', envIds[m]]).catch(() => undefined);
      for (const m of ['a', 'b'] as const) await stopEmbeddedTunnelServer(homes[m]);
      await moto.stop();
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('should create the profile in S3 and link it locally under its name', async () => {
    const res = await preevy('a', ['profile', 'create', 'team', '--store', url, '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const created = JSON.parse(res.stdout) as ProfileJson;
    expect(created).toMatchObject({ name: 'team', store: url, current: true });
    const ls = await preevy('a', ['profile', 'ls']);
    expect(ls.stdout).toMatch(new RegExp(`team\\s+\\*\\s+docker\\s+\\(embedded local server\\)\\s+${url.replace(/[?.]/g, '\\$&')}`));
    // Only the link is local: no key on this machine.
    expect(readdirSync(join(homes.a, 'profiles'))).not.toContain('team');
    // The link is the current profile: commands without --profile reach S3.
    const view = await preevy('a', ['profile', 'config', 'view', '--json']);
    expect(JSON.parse(view.stdout)).toMatchObject({ name: 'team', store: url, clientId: created.clientId });
  });

  it('should reach the same profile from a second machine through profile link, by name afterwards', async () => {
    const linked = await preevy('b', ['profile', 'link', url, '--json']);
    expect(linked.exitCode, linked.stderr).toBe(0);
    const a = JSON.parse((await preevy('a', ['profile', 'config', 'view', '--profile', 'team', '--json'])).stdout) as ProfileJson;
    const b = JSON.parse(linked.stdout) as ProfileJson;
    expect(b).toMatchObject({ name: 'team', clientId: a.clientId, store: url });
    // A change made on one machine is what the other reads next (no tunnel server is contacted by a settings change).
    const update = await preevy('b', ['profile', 'config', 'update', '--profile', 'team', '--tunnel-url', 'ssh://127.0.0.1:9', '--json']);
    expect(update.exitCode, update.stderr).toBe(0);
    const seen = await preevy('a', ['profile', 'config', 'view', '--profile', url, '--json']);
    expect(JSON.parse(seen.stdout)).toMatchObject({ tunnelUrl: 'ssh://127.0.0.1:9' });
    expect((await preevy('a', ['profile', 'config', 'update', '--profile', 'team', '--unset-tunnel-url'])).exitCode).toBe(0);
  });

  it('should run two ups at once on the one S3 profile, each record kept, and down either from the other machine', async () => {
    const upA = preevy('a', ['up', 'web', '--profile', 'team', '--id', envIds.a, '--json']);
    // Each machine runs its own embedded tunnel server; two starting at the same instant race for
    // the same preferred ports (a limit of the embedded server, not of the S3 store), so b starts
    // once a's server is up. The two ups still overlap: see the record times below.
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(homes.a, 'tunnel-server', 'embedded.json')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const [a, b] = await Promise.all([upA, preevy('b', ['up', 'web', '--profile', url, '--id', envIds.b, '--json'])]);
    expect(a.exitCode, a.stdout + a.stderr).toBe(0);
    expect(b.exitCode, b.stdout + b.stderr).toBe(0);
    for (const out of [a, b]) {
      const web = (JSON.parse(out.stdout) as { urls: { service: string; url: string }[] }).urls.find((u) => u.service === 'web')!;
      expect((await get(web.url)).body).toContain('hello from preevy');
    }
    const ls = await preevy('b', ['ls', '--profile', 'team', '--json']);
    expect(ls.exitCode, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as LsJson[]).filter((e) => e.envId.endsWith(run)).map((e) => [e.envId, e.status])).toEqual([
      [envIds.a, 'up'],
      [envIds.b, 'up'],
    ]);
    // Both were deploying at once: each record was created before the other's last write.
    const record = async (id: string) => {
      const res = await moto.client().send(new GetObjectCommand({ Bucket: 'previews', Key: `team-${run}/envs/${id}.json` }));
      return JSON.parse(await res.Body!.transformToString()) as { createdAt: string; updatedAt: string };
    };
    const [ra, rb] = [await record(envIds.a), await record(envIds.b)];
    expect(ra.createdAt < rb.updatedAt && rb.createdAt < ra.updatedAt, JSON.stringify({ ra, rb })).toBe(true);
    // Machine b takes down what machine a deployed: the record (and its host) came from S3.
    const down = await preevy('b', ['down', '--profile', 'team', '--id', envIds.a]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await labelledResources(envIds.a)).toEqual([]);
    expect(await labelledResources(envIds.b)).not.toEqual([]);
  });

  it('should export with a warning on stderr only, and import into another S3 prefix', async () => {
    const exported = await preevy('b', ['profile', 'export', '--profile', 'team']);
    expect(exported.exitCode, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/holds the private tunnel key.*keep it secret/);
    expect(exported.stdout).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(exported.stdout).not.toMatch(/Warning/);
    const file = join(root, 'team.json');
    writeFileSync(file, exported.stdout, { mode: 0o600 });
    const copyUrl = moto.url('previews', `copy-${run}`);
    const imported = await preevy('a', ['profile', 'import', file, '--name', 'copy', '--store', copyUrl, '--json']);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ name: 'copy', store: copyUrl });
    // The key never shows up in what profile commands print.
    const view = await preevy('a', ['profile', 'config', 'view', '--profile', 'copy']);
    expect(view.stdout).not.toContain('PRIVATE KEY');
  });

  it('should say the bucket is missing, and change nothing on this machine', async () => {
    const missing = moto.url('no-such-bucket', 'team');
    const res = await preevy('a', ['profile', 'link', missing, '--name', 'gone', '--json']);
    expect(res.exitCode).toBe(4);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'error', error: { code: 'S3_BUCKET_NOT_FOUND' } });
    expect((await preevy('a', ['profile', 'ls'])).stdout).not.toContain('gone');
    const up = await preevy('a', ['ls', '--profile', missing]);
    expect(up.exitCode).toBe(4);
    expect(up.stderr).toMatch(/bucket "no-such-bucket".*does not exist/);
  });

  it('should say the credentials were refused, naming where the SDK looks, never printing the secret', async () => {
    await using strict = await startMoto({ auth: true });
    const res = await preevy('a', ['profile', 'link', strict.url('previews', 'team'), '--json'], { AWS_ACCESS_KEY_ID: 'AKIAE2EUNKNOWN000000', AWS_SECRET_ACCESS_KEY: 'e2e-secret-never-printed' });
    expect(res.exitCode).toBe(3);
    const out = JSON.parse(res.stdout) as { error: { code: string; suggestions: string[] } };
    expect(out.error.code).toBe('S3_ACCESS_DENIED');
    expect(out.error.suggestions.join(' ')).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(res.stdout + res.stderr).not.toContain('e2e-secret-never-printed');
  });
});
