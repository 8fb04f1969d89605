import { describe, expect, it } from 'vitest';
import { ciRefFromEnv } from './ci-context.js';

const noFile = async (p: string): Promise<string> => {
  throw new Error(`unexpected read of ${p}`);
};

describe('ciRefFromEnv', () => {
  it('should read a GitHub pull request number from GITHUB_REF', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/42/merge', GITHUB_REF_NAME: '42/merge' };
    expect(await ciRefFromEnv(env, noFile)).toEqual({ provider: 'github-actions', kind: 'pull-request', number: 42, from: 'GITHUB_REF' });
  });

  it('should read the number from the event payload for pull_request_target', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_PATH: '/e.json' };
    const read = async (p: string) => (p === '/e.json' ? JSON.stringify({ number: 7, pull_request: { number: 7 } }) : '');
    expect(await ciRefFromEnv(env, read)).toEqual({ provider: 'github-actions', kind: 'pull-request', number: 7, from: 'GITHUB_EVENT_PATH' });
  });

  it('should fall back to the head branch when the payload is unreadable', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_PATH: '/e.json', GITHUB_HEAD_REF: 'feat/x' };
    expect(await ciRefFromEnv(env, async () => '{not json')).toEqual({ provider: 'github-actions', kind: 'branch', branch: 'feat/x', from: 'GITHUB_HEAD_REF' });
  });

  it('should use the pushed branch on a GitHub push', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/feat/a', GITHUB_REF_NAME: 'feat/a' };
    expect(await ciRefFromEnv(env, noFile)).toEqual({ provider: 'github-actions', kind: 'branch', branch: 'feat/a', from: 'GITHUB_REF_NAME' });
  });

  it.each([
    ['GitLab merge request', { GITLAB_CI: 'true', CI_MERGE_REQUEST_IID: '12', CI_COMMIT_REF_NAME: 'feat' }, { provider: 'gitlab', kind: 'pull-request', number: 12, from: 'CI_MERGE_REQUEST_IID' }],
    ['GitLab branch', { GITLAB_CI: 'true', CI_COMMIT_REF_NAME: 'feat' }, { provider: 'gitlab', kind: 'branch', branch: 'feat', from: 'CI_COMMIT_REF_NAME' }],
    ['CircleCI pull request', { CIRCLECI: 'true', CIRCLE_PULL_REQUEST: 'https://github.com/o/r/pull/99', CIRCLE_BRANCH: 'x' }, { provider: 'circleci', kind: 'pull-request', number: 99, from: 'CIRCLE_PULL_REQUEST' }],
    ['CircleCI branch', { CIRCLECI: 'true', CIRCLE_BRANCH: 'x' }, { provider: 'circleci', kind: 'branch', branch: 'x', from: 'CIRCLE_BRANCH' }],
    ['Buildkite pull request', { BUILDKITE: 'true', BUILDKITE_PULL_REQUEST: '5', BUILDKITE_BRANCH: 'b' }, { provider: 'buildkite', kind: 'pull-request', number: 5, from: 'BUILDKITE_PULL_REQUEST' }],
    ['Buildkite branch', { BUILDKITE: 'true', BUILDKITE_PULL_REQUEST: 'false', BUILDKITE_BRANCH: 'b' }, { provider: 'buildkite', kind: 'branch', branch: 'b', from: 'BUILDKITE_BRANCH' }],
    ['Azure pull request', { TF_BUILD: 'True', SYSTEM_PULLREQUEST_PULLREQUESTNUMBER: '31' }, { provider: 'azure-pipelines', kind: 'pull-request', number: 31, from: 'SYSTEM_PULLREQUEST_PULLREQUESTNUMBER' }],
    ['Azure Repos pull request', { TF_BUILD: 'True', SYSTEM_PULLREQUEST_PULLREQUESTID: '32' }, { provider: 'azure-pipelines', kind: 'pull-request', number: 32, from: 'SYSTEM_PULLREQUEST_PULLREQUESTID' }],
    ['Azure branch', { TF_BUILD: 'True', BUILD_SOURCEBRANCH: 'refs/heads/feature/a', BUILD_SOURCEBRANCHNAME: 'a' }, { provider: 'azure-pipelines', kind: 'branch', branch: 'feature/a', from: 'BUILD_SOURCEBRANCH' }],
    ['Azure branch name only', { TF_BUILD: 'True', BUILD_SOURCEBRANCHNAME: 'a' }, { provider: 'azure-pipelines', kind: 'branch', branch: 'a', from: 'BUILD_SOURCEBRANCHNAME' }],
    ['Travis pull request', { TRAVIS: 'true', TRAVIS_PULL_REQUEST: '8', TRAVIS_BRANCH: 'main' }, { provider: 'travis', kind: 'pull-request', number: 8, from: 'TRAVIS_PULL_REQUEST' }],
    ['Travis branch', { TRAVIS: 'true', TRAVIS_PULL_REQUEST: 'false', TRAVIS_BRANCH: 'dev' }, { provider: 'travis', kind: 'branch', branch: 'dev', from: 'TRAVIS_BRANCH' }],
  ])('should read the %s', async (_name, env, expected) => {
    expect(await ciRefFromEnv(env, noFile)).toEqual(expected);
  });

  it('should ignore CI variables without the CI marker variable', async () => {
    expect(await ciRefFromEnv({ CI_MERGE_REQUEST_IID: '12', GITHUB_REF: 'refs/pull/1/merge', GITHUB_EVENT_NAME: 'pull_request' }, noFile)).toBeUndefined();
  });
});
