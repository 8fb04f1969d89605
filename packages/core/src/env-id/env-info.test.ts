import { describe, expect, it } from 'vitest';
import { envInfoFromCi, envInfoFromEnv } from './env-info.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('envInfoFromCi', () => {
  it('should link a GitHub pull request, branch and commit, on a self-hosted server too', () => {
    expect(envInfoFromCi({ provider: 'github-actions', branch: 'feat/x y', pullRequest: 42, commit: sha, repository: 'o/r' }, { GITHUB_SERVER_URL: 'https://ghe.example/' })).toEqual({
      repository: 'o/r',
      repositoryUrl: 'https://ghe.example/o/r',
      branch: 'feat/x y',
      branchUrl: 'https://ghe.example/o/r/tree/feat/x%20y',
      pullRequest: 42,
      pullRequestUrl: 'https://ghe.example/o/r/pull/42',
      commit: sha,
      commitUrl: `https://ghe.example/o/r/commit/${sha}`,
    });
  });

  it('should link a GitLab merge request under the project URL', () => {
    const info = envInfoFromCi({ provider: 'gitlab', branch: 'feat', pullRequest: 12, commit: sha, repository: 'g/sub/p' }, { CI_PROJECT_URL: 'https://gitlab.example/g/sub/p' });
    expect(info).toMatchObject({ pullRequestUrl: 'https://gitlab.example/g/sub/p/-/merge_requests/12', commitUrl: `https://gitlab.example/g/sub/p/-/commit/${sha}`, branchUrl: 'https://gitlab.example/g/sub/p/-/tree/feat' });
  });

  it('should keep text without links where the CI gives no address, and drop a commit that is not one', () => {
    expect(envInfoFromCi({ provider: 'buildkite', branch: 'b', pullRequest: 5, commit: 'HEAD', repository: 'o/r' }, {})).toEqual({ branch: 'b', pullRequest: 5, repository: 'o/r' });
    expect(envInfoFromCi({ provider: 'circleci', pullRequest: 9 }, { CIRCLE_PULL_REQUEST: 'https://github.com/o/r/pull/9' })).toEqual({ pullRequest: 9, pullRequestUrl: 'https://github.com/o/r/pull/9' });
    expect(envInfoFromCi(undefined, {})).toEqual({});
  });

  it('should read the CI from the environment', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF_NAME: 'main', GITHUB_SHA: sha, GITHUB_REPOSITORY: 'o/r', GITHUB_EVENT_PATH: '/e.json' };
    expect(await envInfoFromEnv(env, async () => '{}')).toMatchObject({ branch: 'main', commit: sha, repositoryUrl: 'https://github.com/o/r' });
    expect(await envInfoFromEnv({}, async () => '{}')).toEqual({});
  });
});
