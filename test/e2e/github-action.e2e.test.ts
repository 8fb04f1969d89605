import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopEmbeddedTunnelServer } from '@preevy/cli';
import { execFile } from '../support/exec-file.js';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { FakeGithubApi } from '../support/fake-github-api.js';
import { startMoto, type Moto } from '../support/moto.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, labelledResources, offlineEnv } from '../support/preevy-e2e.js';

const ENTRY = join(REPO_ROOT, 'github-action', 'entry.mjs');
const TOKEN = 'ghs_e2e-token-never-printed';

/** GITHUB_OUTPUT in the `name<<DELIM` form GitHub documents. */
const parseOutputs = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([\w-]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    out[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
};

// The action's entry point run as the runner runs it (INPUT_* and GITHUB_* variables, an event
// payload, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), with the built CLI, the local engine and
// embedded tunnel server, and GitHub's API as a recording server on 127.0.0.1.
describe('GitHub Action entry point on pull request events (docker driver)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-gha-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const envId = `gha-${randomBytes(3).toString('hex')}`;
  let api: FakeGithubApi;
  let ports = '';

  const runAction = async (action: 'opened' | 'synchronize' | 'closed', inputs: Record<string, string>) => {
    const dir = mkdtempSync(join(root, `${action}-`));
    const files = { event: join(dir, 'event.json'), output: join(dir, 'output'), summary: join(dir, 'summary') };
    writeFileSync(files.event, JSON.stringify({ action, number: 7, pull_request: { number: 7, head: { sha: `sha-${action}`, ref: 'feat/x' } }, repository: { full_name: 'o/r' } }));
    writeFileSync(files.output, '');
    writeFileSync(files.summary, '');
    const env = {
      ...offlineEnv(home),
      GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: files.event, GITHUB_REF: 'refs/pull/7/merge', GITHUB_HEAD_REF: 'feat/x',
      GITHUB_SHA: 'merge-sha', GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: api.url, GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, RUNNER_TEMP: dir,
      PREEVY_BIN: CLI_BIN, GITHUB_TOKEN: '',
      INPUT_ARGS: `--id ${envId}`, INPUT_GITHUB_TOKEN: TOKEN, INPUT_COMMENT: 'true', INPUT_ENV: ports,
      ...inputs,
    };
    const res = await execFile(process.execPath, [ENTRY], { cwd: project, env, timeoutMs: 280_000 });
    return { ...res, outputs: parseOutputs(readFileSync(files.output, 'utf8')), summary: readFileSync(files.summary, 'utf8') };
  };

  beforeAll(async () => {
    api = await FakeGithubApi.start();
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    // Host ports through the `env` input: it reaches compose interpolation.
    ports = `WEB_PORT=${await freePort()}\nAPI_PORT=${await freePort()}`;
  });

  afterAll(async () => {
    await execFile(process.execPath, [CLI_BIN, 'down', '--id', envId], { cwd: project, env: offlineEnv(home) });
    await stopEmbeddedTunnelServer(home);
    await api[Symbol.asyncDispose]();
    rmSync(root, { recursive: true, force: true });
  });

  it('should fail the step with the CLI error, code and suggestions when up fails, and post nothing', async () => {
    const res = await runAction('opened', { INPUT_MODE: 'up', INPUT_COMPOSE_FILES: 'missing.yaml' });
    // The same failure straight from the CLI: the step must exit with its code and show its error.
    const cli = await execFile(process.execPath, [CLI_BIN, 'up', '--json', '-f', 'missing.yaml', '--id', envId], { cwd: project, env: offlineEnv(home) });
    const { error } = JSON.parse(cli.stdout) as { error: { code: string; message: string; exitCode: number } };
    expect(cli.exitCode).not.toBe(0);
    expect(res.exitCode).toBe(cli.exitCode);
    expect(res.stdout).toMatch(/^::error title=preevy up::preevy up failed: .*missing\.yaml.*%0A- /m);
    expect(res.stdout).toContain(`[${error.code}]`);
    expect(res.outputs).toEqual({});
    expect(api.calls).toEqual([]);
  });

  it('should refuse an env line that is not NAME=value without printing it', async () => {
    const res = await runAction('opened', { INPUT_MODE: 'up', INPUT_ENV: 'secret-value-without-name' });
    expect(res.exitCode).toBe(2);
    expect(res.stdout + res.stderr).not.toContain('secret-value-without-name');
    expect(res.stdout).toContain('line 1 is not NAME=value');
  });

  it('should bring the preview up on opened: outputs, summary, one comment and a deployment', async () => {
    const res = await runAction('opened', { INPUT_MODE: 'up' });
    expect(res.exitCode, res.stderr + res.stdout).toBe(0);
    expect(res.outputs['env-id']).toBe(envId);
    const map = JSON.parse(res.outputs['urls-map']!) as Record<string, string>;
    expect(Object.keys(map).sort()).toEqual(['api/3000', 'web/80']);
    expect((await get(map['web/80']!)).body).toContain('hello from preevy');
    expect((JSON.parse(res.outputs['urls-json']!) as unknown[]).length).toBe(2);
    expect(existsSync(res.outputs['urls-file']!)).toBe(true);
    expect(res.summary).toContain(`| web | 80 | ${map['web/80']} |`);

    const comments = api.comments.get(7)!;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(`<!-- preevy:env-id=${envId} -->`);
    expect(comments[0]!.body).toContain(map['web/80']);
    expect(comments[0]!.body).toContain('sha-opened');
    expect(api.deployments).toHaveLength(1);
    expect(api.deployments[0]!.statuses).toEqual([expect.objectContaining({ state: 'success' })]);
    expect(Object.values(map)).toContain(api.deployments[0]!.statuses[0]!.environment_url);
    expect(res.stdout + res.stderr).not.toContain(TOKEN);
  });

  it('should update the same comment on synchronize, with a 403 on deployments only a warning', async () => {
    api.forbid = /deployments/;
    const res = await runAction('synchronize', { INPUT_MODE: 'up' });
    api.forbid = undefined;
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/403.*deployments: write/);
    expect(api.comments.get(7)).toHaveLength(1);
    expect(api.comments.get(7)![0]!.body).toContain('sha-synchronize');
    expect(api.calls.filter((c) => c.method === 'PATCH')).toHaveLength(1);
    expect(api.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/comments'))).toHaveLength(1);
  });

  it('should take the preview down on closed and say so in the comment; the deployment turns inactive', async () => {
    const res = await runAction('closed', { INPUT_MODE: 'down' });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.outputs['env-id']).toBe(envId);
    expect(res.summary).toContain('removed');
    expect(api.comments.get(7)).toHaveLength(1);
    expect(api.comments.get(7)![0]!.body).toMatch(/is gone/);
    expect(api.deployments[0]!.statuses.at(-1)).toMatchObject({ state: 'inactive' });
    expect(await labelledResources(envId)).toEqual([]);
    expect(api.calls.every((c) => c.authorization === `token ${TOKEN}`)).toBe(true);
  });

  it('should purge on a schedule the previews whose last up is older than older-than', async () => {
    const oldId = `${envId}-old`;
    const up = await runAction('opened', { INPUT_MODE: 'up', INPUT_ARGS: `--id ${oldId}`, INPUT_COMMENT: 'false' });
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    const recordFile = join(home, 'profiles', 'default', 'envs', `${oldId}.json`);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    writeFileSync(recordFile, JSON.stringify({ ...(JSON.parse(readFileSync(recordFile, 'utf8')) as object), lastUpAt: tenDaysAgo }));
    const calls = api.calls.length;

    const res = await runAction('opened', { INPUT_MODE: 'purge', INPUT_OLDER_THAN: '7d', INPUT_ARGS: '', GITHUB_EVENT_NAME: 'schedule' });
    expect(res.exitCode, res.stdout + res.stderr).toBe(0);
    expect(JSON.parse(res.outputs['purged-json']!)).toEqual([expect.objectContaining({ envId: oldId, driver: 'docker', lastUpAt: tenDaysAgo })]);
    expect(res.summary).toContain(`| ${oldId} | docker | ${tenDaysAgo} | removed |`);
    expect(await labelledResources(oldId)).toEqual([]);
    expect(api.calls.length).toBe(calls); // nothing is posted on a schedule
  });
});

// The same entry point with the profile in S3 (moto on loopback), as the README's workflow has it:
// a fresh runner with an empty PREEVY_HOME brings the preview up, another takes it down.
describe('GitHub Action entry point with the profile in S3 (docker driver, moto)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-gha-s3-'));
  const project = join(root, 'hello');
  const envId = `gha-s3-${randomBytes(3).toString('hex')}`;
  let api: FakeGithubApi;
  let moto: Moto;
  let profileUrl = '';
  let ports = '';
  const homes: string[] = [];

  const runAction = async (action: 'opened' | 'closed', mode: 'up' | 'down') => {
    const dir = mkdtempSync(join(root, `${action}-`));
    // Each step on a runner of its own: nothing but S3 carries the profile between them.
    const home = join(dir, 'home');
    homes.push(home);
    const files = { event: join(dir, 'event.json'), output: join(dir, 'output'), summary: join(dir, 'summary') };
    writeFileSync(files.event, JSON.stringify({ action, number: 8, pull_request: { number: 8, head: { sha: `sha-${action}`, ref: 'feat/s3' } }, repository: { full_name: 'o/r' } }));
    writeFileSync(files.output, '');
    writeFileSync(files.summary, '');
    const env = {
      ...offlineEnv(home),
      ...moto.env,
      GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: files.event, GITHUB_REF: 'refs/pull/8/merge', GITHUB_HEAD_REF: 'feat/s3',
      GITHUB_SHA: 'merge-sha', GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: api.url, GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, RUNNER_TEMP: dir,
      PREEVY_BIN: CLI_BIN, GITHUB_TOKEN: '',
      INPUT_MODE: mode, INPUT_PROFILE: profileUrl, INPUT_ARGS: `--id ${envId}`, INPUT_GITHUB_TOKEN: TOKEN, INPUT_COMMENT: 'true', INPUT_ENV: ports,
    };
    const res = await execFile(process.execPath, [ENTRY], { cwd: project, env, timeoutMs: 280_000 });
    return { ...res, outputs: parseOutputs(readFileSync(files.output, 'utf8')) };
  };

  beforeAll(async () => {
    api = await FakeGithubApi.start();
    moto = await startMoto();
    await moto.createBucket('previews');
    profileUrl = moto.url('previews', 'ci');
    const create = await execFile(process.execPath, [CLI_BIN, 'profile', 'create', 'ci', '--store', profileUrl], { env: { ...offlineEnv(join(root, 'laptop')), ...moto.env } });
    expect(create.exitCode, create.stderr).toBe(0);
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    ports = `WEB_PORT=${await freePort()}\nAPI_PORT=${await freePort()}`;
  });

  afterAll(async () => {
    if (moto) await execFile(process.execPath, [CLI_BIN, 'down', '--profile', profileUrl, '--id', envId], { cwd: project, env: { ...offlineEnv(join(root, 'laptop')), ...moto.env } });
    for (const home of homes) await stopEmbeddedTunnelServer(home);
    await moto?.stop();
    await api?.[Symbol.asyncDispose]();
    rmSync(root, { recursive: true, force: true });
  });

  it('should bring the preview up and take it down, the record kept in S3 between the two runners', async () => {
    const up = await runAction('opened', 'up');
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    const map = JSON.parse(up.outputs['urls-map']!) as Record<string, string>;
    expect((await get(map['web/80']!)).body).toContain('hello from preevy');
    const records = await moto.client().send(new ListObjectsV2Command({ Bucket: 'previews', Prefix: 'ci/envs/' }));
    expect(records.Contents?.map((o) => o.Key)).toEqual([`ci/envs/${envId}.json`]);

    const down = await runAction('closed', 'down');
    expect(down.exitCode, down.stderr + down.stdout).toBe(0);
    expect(await labelledResources(envId)).toEqual([]);
    expect(api.comments.get(8)![0]!.body).toMatch(/is gone/);
    expect(up.stdout + up.stderr + down.stdout + down.stderr).not.toContain(moto.env.AWS_SECRET_ACCESS_KEY);
  });
});
