import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';

const HELLO = join(REPO_ROOT, 'examples/hello/compose.yaml');
// A clean environment: no CI variables of the machine running the tests leak into the id.
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' };
const preevy = (args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT) =>
  execFile(process.execPath, [CLI_BIN, ...args], { cwd, env: { ...baseEnv, ...env } });

describe('preevy env-id (built binary)', () => {
  const notGit = mkdtempSync(join(tmpdir(), 'preevy-envid-'));
  afterAll(() => rmSync(notGit, { recursive: true, force: true }));

  it('should normalise an explicit --id to a DNS label', async () => {
    const res = await preevy(['env-id', '-f', HELLO, '--id', 'Feature/Login_Page']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe('feature-login-page');
  });

  it('should name a GitHub Actions pull request after the project and its number', async () => {
    const res = await preevy(['env-id', '-f', HELLO, '--json'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/42/merge',
    });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ id: 'hello-pr-42', project: 'hello', source: { rule: 'ci-pull-request' } });
  });

  it('should fail with a clear message and exit 4 when a -f file is missing', async () => {
    const res = await preevy(['env-id', '-f', join(notGit, 'nope.yaml')]);
    expect(res.exitCode).toBe(4);
    expect(res.stderr).toContain('Code: COMPOSE_FILE_NOT_FOUND');
    expect(res.stderr).toContain('nope.yaml');
  });
});
