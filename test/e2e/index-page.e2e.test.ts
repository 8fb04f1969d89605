import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopEmbeddedTunnelServer } from '@preevy/cli';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, offlineEnv } from '../support/preevy-e2e.js';

// `up` in a GitHub pull request build, as CI runs it: the branch, pull request and commit travel
// from the CI's variables through the agent's environment (compose) and the agent's SSH
// connection to the embedded tunnel server's index page.
describe('the index page after `preevy up` in a pull request build (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-index-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const envId = `ip-${randomBytes(3).toString('hex')}`;
  const commit = 'feedface0123456789abcdef0123456789abcdef';
  const env = offlineEnv(home);
  let indexUrl = '';
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env, timeoutMs: 240_000 });
  const lastDeployed = (html: string): string | undefined => /<dt>Last deployed<\/dt><dd><time datetime="([^"]+)"/.exec(html)?.[1];

  beforeAll(async () => {
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    const event = join(root, 'event.json');
    writeFileSync(event, JSON.stringify({ number: 31, pull_request: { number: 31, head: { sha: commit } } }));
    Object.assign(env, {
      WEB_PORT: String(await freePort()), API_PORT: String(await freePort()),
      GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_REF: 'refs/pull/31/merge',
      GITHUB_HEAD_REF: 'feat/review-page', GITHUB_SHA: '0000000000000000000000000000000000000000', GITHUB_REPOSITORY: 'acme/shop',
    });
  });

  afterAll(async () => {
    await preevy('down', '--id', envId);
    await stopEmbeddedTunnelServer(home);
    rmSync(root, { recursive: true, force: true });
  });

  it('should show the pull request, branch, commit, deploy time and every service as connected', async () => {
    const res = await preevy('up', '--id', envId, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const { urls } = JSON.parse(res.stdout) as { urls: Array<{ service: string; url: string }> };
    const web = new URL(urls.find((u) => u.service === 'web')!.url);
    indexUrl = `http://${web.hostname.replace(/^web-80-/, '')}:${web.port}`;
    // The agent sends its metadata just after its forwards, which `up` already waited for.
    await expect.poll(async () => (await get(indexUrl)).body, { timeout: 10_000 }).toContain('#31');
    const { status, body } = await get(indexUrl);
    expect(status).toBe(200);
    expect(body).toContain('<a href="https://github.com/acme/shop/pull/31">#31</a>');
    expect(body).toContain('<a href="https://github.com/acme/shop/tree/feat/review-page"><code>feat/review-page</code></a>');
    expect(body).toContain(`<a href="https://github.com/acme/shop/commit/${commit}"><code title="${commit}">feedface0123</code></a>`);
    expect(lastDeployed(body)).toBeDefined();
    for (const u of urls) expect(body).toContain(`<a href="${u.url}">`);
    expect(body.match(/state up">connected/g)).toHaveLength(urls.length);
  });

  it('should leave the agent as it was on an unchanged up: the last deploy time stays', async () => {
    const before = lastDeployed((await get(indexUrl)).body);
    const res = await preevy('up', '--id', envId);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(lastDeployed((await get(indexUrl)).body)).toBe(before);
  });

  it('should say the preview was removed after down', async () => {
    expect((await preevy('down', '--id', envId)).exitCode).toBe(0);
    const { status, body } = await get(indexUrl);
    expect(status).toBe(410);
    expect(body).toContain('<h1>This preview was removed</h1>');
    expect(body).toContain('#31');
  });
});
