import { describe, expect, it } from 'vitest';
import { ciInfoFromEnv } from './ci-info.js';

const noFile = async (p: string): Promise<string> => {
  throw new Error(`unexpected read of ${p}`);
};

describe('ciInfoFromEnv', () => {
  it('should take the head commit from a GitHub pull_request payload, not the merge commit', async () => {
    const env = {
      GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/42/merge', GITHUB_REF_NAME: '42/merge',
      GITHUB_HEAD_REF: 'feat/x', GITHUB_SHA: 'merge0', GITHUB_REPOSITORY: 'o/r', GITHUB_EVENT_PATH: '/e.json',
    };
    const read = async (p: string) => (p === '/e.json' ? JSON.stringify({ number: 42, pull_request: { number: 42, head: { sha: 'head1' } } }) : '');
    expect(await ciInfoFromEnv(env, read)).toEqual({ provider: 'github-actions', pullRequest: 42, branch: 'feat/x', commit: 'head1', repository: 'o/r' });
  });

  it('should use GITHUB_SHA on a push', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF_NAME: 'main', GITHUB_SHA: 'abc', GITHUB_REPOSITORY: 'o/r', GITHUB_EVENT_PATH: '/e.json' };
    expect(await ciInfoFromEnv(env, async () => '{}')).toEqual({ provider: 'github-actions', branch: 'main', commit: 'abc', repository: 'o/r' });
  });

  it.each([
    ['GitLab merge request',
      { GITLAB_CI: 'true', CI_MERGE_REQUEST_IID: '12', CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feat', CI_COMMIT_REF_NAME: 'x', CI_COMMIT_SHA: 's1', CI_PROJECT_PATH: 'g/sub/p' },
      { provider: 'gitlab', pullRequest: 12, branch: 'feat', commit: 's1', repository: 'g/sub/p' }],
    ['CircleCI pull request',
      { CIRCLECI: 'true', CIRCLE_PULL_REQUEST: 'https://github.com/o/r/pull/99', CIRCLE_BRANCH: 'b', CIRCLE_SHA1: 's2', CIRCLE_PROJECT_USERNAME: 'o', CIRCLE_PROJECT_REPONAME: 'r' },
      { provider: 'circleci', pullRequest: 99, branch: 'b', commit: 's2', repository: 'o/r' }],
    ['CircleCI from the clone URL',
      { CIRCLECI: 'true', CIRCLE_BRANCH: 'b', CIRCLE_REPOSITORY_URL: 'git@github.com:o/r.git' },
      { provider: 'circleci', branch: 'b', repository: 'o/r' }],
    ['Buildkite pull request',
      { BUILDKITE: 'true', BUILDKITE_PULL_REQUEST: '5', BUILDKITE_BRANCH: 'b', BUILDKITE_COMMIT: 's3', BUILDKITE_REPO: 'https://github.com/o/r.git' },
      { provider: 'buildkite', pullRequest: 5, branch: 'b', commit: 's3', repository: 'o/r' }],
    ['Azure pull request',
      { TF_BUILD: 'True', SYSTEM_PULLREQUEST_PULLREQUESTNUMBER: '31', SYSTEM_PULLREQUEST_SOURCEBRANCH: 'refs/heads/feature/a', SYSTEM_PULLREQUEST_SOURCECOMMITID: 's4', BUILD_SOURCEVERSION: 'merge', BUILD_REPOSITORY_NAME: 'o/r' },
      { provider: 'azure-pipelines', pullRequest: 31, branch: 'feature/a', commit: 's4', repository: 'o/r' }],
    ['Azure branch',
      { TF_BUILD: 'True', BUILD_SOURCEBRANCH: 'refs/heads/dev', BUILD_SOURCEVERSION: 's5', BUILD_REPOSITORY_NAME: 'o/r' },
      { provider: 'azure-pipelines', branch: 'dev', commit: 's5', repository: 'o/r' }],
    ['Travis pull request',
      { TRAVIS: 'true', TRAVIS_PULL_REQUEST: '8', TRAVIS_PULL_REQUEST_BRANCH: 'feat', TRAVIS_BRANCH: 'main', TRAVIS_PULL_REQUEST_SHA: 's6', TRAVIS_COMMIT: 'merge', TRAVIS_PULL_REQUEST_SLUG: 'fork/r', TRAVIS_REPO_SLUG: 'o/r' },
      { provider: 'travis', pullRequest: 8, branch: 'feat', commit: 's6', repository: 'o/r' }],
    ['Travis branch',
      { TRAVIS: 'true', TRAVIS_PULL_REQUEST: 'false', TRAVIS_BRANCH: 'dev', TRAVIS_COMMIT: 's7', TRAVIS_REPO_SLUG: 'o/r' },
      { provider: 'travis', branch: 'dev', commit: 's7', repository: 'o/r' }],
  ])('should read the %s', async (_name, env, expected) => {
    expect(await ciInfoFromEnv(env, noFile)).toEqual(expected);
  });

  it('should say nothing outside a known CI', async () => {
    expect(await ciInfoFromEnv({ GITHUB_SHA: 'x', CI_COMMIT_SHA: 'y' }, noFile)).toBeUndefined();
  });
});
