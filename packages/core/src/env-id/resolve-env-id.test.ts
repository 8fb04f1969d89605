import { MAX_ENV_ID_LENGTH, normalizeEnvId } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import type { GitRef } from './git-ref.js';
import { describeEnvIdSource, resolveEnvId } from './resolve-env-id.js';

const git = (ref?: GitRef) => async () => ref;
const noGit = async (): Promise<GitRef | undefined> => {
  throw new Error('git must not be asked');
};
const noFile = async (): Promise<string> => '';

describe('resolveEnvId', () => {
  it('should use --id first, normalized', async () => {
    const r = await resolveEnvId({ flag: 'My_Feature/Login', projectName: 'app', env: { GITLAB_CI: 'true', CI_MERGE_REQUEST_IID: '3' }, git: noGit });
    expect(r).toEqual({ id: 'my-feature-login', source: { rule: 'flag', raw: 'My_Feature/Login' } });
  });

  it('should refuse an --id with nothing left after normalization', async () => {
    await expect(resolveEnvId({ flag: '__/!!', projectName: 'app', env: {}, git: noGit })).rejects.toMatchObject({ code: 'ENV_ID_INVALID', kind: 'usage', message: expect.stringContaining('"__/!!"') as unknown });
  });

  it('should name a GitHub pull request {project}-pr-{N}', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/12/merge' };
    expect(await resolveEnvId({ projectName: 'My App', env, git: noGit, readFile: noFile })).toEqual({
      id: 'my-app-pr-12',
      source: { rule: 'ci-pull-request', provider: 'github-actions', number: 12, from: 'GITHUB_REF' },
    });
  });

  it('should name a GitLab merge request {project}-mr-{N}', async () => {
    expect((await resolveEnvId({ projectName: 'shop', env: { GITLAB_CI: 'true', CI_MERGE_REQUEST_IID: '4' }, git: noGit })).id).toBe('shop-mr-4');
  });

  it('should name a CI branch build {project}-{branch}', async () => {
    const r = await resolveEnvId({ projectName: 'shop', env: { CIRCLECI: 'true', CIRCLE_BRANCH: 'Feature/Cart' }, git: noGit });
    expect(r).toEqual({ id: 'shop-feature-cart', source: { rule: 'ci-branch', provider: 'circleci', branch: 'Feature/Cart', from: 'CIRCLE_BRANCH' } });
  });

  it('should use the local git branch outside CI', async () => {
    expect(await resolveEnvId({ projectName: 'shop', env: {}, git: git({ kind: 'branch', branch: 'main' }) })).toEqual({ id: 'shop-main', source: { rule: 'git-branch', branch: 'main' } });
  });

  it('should use the short commit on a detached HEAD', async () => {
    expect(await resolveEnvId({ projectName: 'shop', env: {}, git: git({ kind: 'commit', commit: 'a1b2c3d' }) })).toEqual({ id: 'shop-a1b2c3d', source: { rule: 'git-commit', commit: 'a1b2c3d' } });
  });

  it('should ask for --id when nothing names the environment', async () => {
    await expect(resolveEnvId({ projectName: 'shop', env: {}, git: git(undefined) })).rejects.toMatchObject({ code: 'ENV_ID_UNRESOLVED', suggestions: expect.arrayContaining([expect.stringContaining('--id')]) as unknown });
  });

  it('should keep the PR suffix whole and hash-shorten a long project name', async () => {
    const projectName = 'a-very-long-project-name-that-goes-on-and-on-forever';
    const a = await resolveEnvId({ projectName, env: { GITLAB_CI: 'true', CI_MERGE_REQUEST_IID: '1234' }, git: noGit });
    const b = await resolveEnvId({ projectName: `${projectName}-2`, env: { GITLAB_CI: 'true', CI_MERGE_REQUEST_IID: '1234' }, git: noGit });
    expect(a.id.length).toBeLessThanOrEqual(MAX_ENV_ID_LENGTH);
    expect(a.id).toMatch(/^a-very-long-[a-z0-9-]+-mr-1234$/);
    expect(a.id).not.toBe(b.id);
    expect(normalizeEnvId(a.id)).toBe(a.id);
  });

  it('should hash-shorten a long branch so two long branches stay distinct', async () => {
    const long = (suffix: string) => resolveEnvId({ projectName: 'shop', env: {}, git: git({ kind: 'branch', branch: `feature/${'x'.repeat(60)}-${suffix}` }) });
    const [a, b] = [await long('one'), await long('two')];
    expect(a.id.length).toBeLessThanOrEqual(MAX_ENV_ID_LENGTH);
    expect(a.id).not.toBe(b.id);
    expect(normalizeEnvId(a.id)).toBe(a.id);
  });

  it('should describe each source in one line', () => {
    expect(describeEnvIdSource({ rule: 'ci-pull-request', provider: 'github-actions', number: 3, from: 'GITHUB_REF' })).toBe('github-actions pull request #3 (GITHUB_REF)');
    expect(describeEnvIdSource({ rule: 'git-commit', commit: 'abc1234' })).toBe('local git commit abc1234 (detached HEAD)');
  });
});
