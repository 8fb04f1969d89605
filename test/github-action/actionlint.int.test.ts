import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { REPO_ROOT } from '../support/paths.js';

const cache = process.env.PREEVY_TEST_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'preevy-test');
const ACTIONLINT = join(cache, 'bin', 'actionlint');

/** The README's workflow files: the yaml blocks of its GitHub Action section, so the docs cannot rot. */
const readmeWorkflows = (): string[] => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = /^## GitHub Action[^\n]*\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
};

describe('actionlint on the action and the README workflows', () => {
  it('should find the README workflows', () => {
    const flows = readmeWorkflows();
    expect(flows).toHaveLength(3);
    expect(flows.join('\n')).toMatch(/mode: up[\s\S]*mode: down[\s\S]*mode: purge/);
  });

  it('should pass actionlint, with the workflows using the local action so its inputs are checked against action.yml', async () => {
    if (!existsSync(ACTIONLINT)) throw new Error(`actionlint is missing at ${ACTIONLINT}: run \`npm run infra:setup\` (step actionlint).`);
    const repo = mkdtempSync(join(tmpdir(), 'preevy-actionlint-'));
    cpSync(join(REPO_ROOT, 'github-action'), join(repo, 'github-action'), { recursive: true });
    mkdirSync(join(repo, '.github', 'workflows'), { recursive: true });
    readmeWorkflows().forEach((flow, i) => {
      // A remote `uses:` is not resolved by actionlint; the local path makes it read our action.yml.
      const local = flow.replace(/uses: [\w.-]+\/[\w.-]+\/github-action@\S+/g, 'uses: ./github-action');
      expect(local).toContain('uses: ./github-action');
      writeFileSync(join(repo, '.github', 'workflows', `readme-${i}.yml`), local);
    });
    // An input the action does not declare must be reported: proves the action metadata is read.
    writeFileSync(join(repo, 'bad.yml'), readmeWorkflows()[0]!.replace(/uses: \S+github-action@\S+/, 'uses: ./github-action').replace('mode: up', 'mode: up\n          no-such-input: x'));
    await execFile('git', ['init', '-q'], { cwd: repo });

    const good = await execFile(ACTIONLINT, ['-no-color'], { cwd: repo });
    expect(good.stdout + good.stderr).toBe('');
    expect(good.exitCode).toBe(0);

    const bad = await execFile(ACTIONLINT, ['-no-color', 'bad.yml'], { cwd: repo });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/no-such-input/);
  });
});
