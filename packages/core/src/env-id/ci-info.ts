import { ciRefFromEnv, type CiProvider, type ReadTextFile } from './ci-context.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What a CI build is about: the pieces a pull-request comment or deployment needs. */
export interface CiInfo {
  provider: CiProvider;
  /** The pull request's own (head) branch when known, else the built branch. */
  branch?: string;
  pullRequest?: number;
  commit?: string;
  /** `owner/name` (or the CI's own project path, e.g. GitLab's `group/sub/name`). */
  repository?: string;
}

const nonEmpty = (...values: (string | undefined)[]): string | undefined => values.find((v) => v !== undefined && v.trim() !== '')?.trim();

// `https://github.com/o/r.git`, `git@github.com:o/r.git` → `o/r`: CIs that only give the clone URL.
const repoFromUrl = (url: string | undefined): string | undefined => {
  const m = /[/:]([^/:]+\/[^/]+?)(?:\.git)?\/?$/.exec(url?.trim() ?? '');
  return m?.[1];
};

// Raw parts, undefined where the CI did not say; ciInfoFromEnv drops the undefined ones.
type Parts = { branch: string | undefined; commit: string | undefined; repository: string | undefined };

const githubHeadSha = async (path: string | undefined, readFile: ReadTextFile): Promise<string | undefined> => {
  if (!path) return undefined;
  try {
    const event = JSON.parse(await readFile(path)) as { pull_request?: { head?: { sha?: unknown } } };
    const sha = event.pull_request?.head?.sha;
    return typeof sha === 'string' && sha ? sha : undefined;
  } catch {
    return undefined;
  }
};

const rest = async (provider: CiProvider, env: Env, readFile: ReadTextFile): Promise<Parts> => {
  switch (provider) {
    case 'github-actions':
      return {
        branch: nonEmpty(env.GITHUB_HEAD_REF, env.GITHUB_REF_NAME),
        // On pull_request GITHUB_SHA is the synthetic merge commit; reviewers know the head commit.
        commit: (await githubHeadSha(env.GITHUB_EVENT_PATH, readFile)) ?? nonEmpty(env.GITHUB_SHA),
        repository: nonEmpty(env.GITHUB_REPOSITORY),
      };
    case 'gitlab':
      return { branch: nonEmpty(env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME, env.CI_COMMIT_REF_NAME), commit: nonEmpty(env.CI_COMMIT_SHA), repository: nonEmpty(env.CI_PROJECT_PATH) };
    case 'circleci':
      return {
        branch: nonEmpty(env.CIRCLE_BRANCH),
        commit: nonEmpty(env.CIRCLE_SHA1),
        repository: env.CIRCLE_PROJECT_USERNAME && env.CIRCLE_PROJECT_REPONAME ? `${env.CIRCLE_PROJECT_USERNAME}/${env.CIRCLE_PROJECT_REPONAME}` : repoFromUrl(env.CIRCLE_REPOSITORY_URL),
      };
    case 'buildkite':
      return {
        branch: nonEmpty(env.BUILDKITE_BRANCH),
        commit: nonEmpty(env.BUILDKITE_COMMIT),
        // The pipeline's repository, not a fork's: the pull request lives there.
        repository: repoFromUrl(env.BUILDKITE_REPO),
      };
    case 'azure-pipelines':
      return {
        branch: nonEmpty(env.SYSTEM_PULLREQUEST_SOURCEBRANCH?.replace(/^refs\/heads\//, ''), env.BUILD_SOURCEBRANCH?.replace(/^refs\/heads\//, ''), env.BUILD_SOURCEBRANCHNAME),
        commit: nonEmpty(env.SYSTEM_PULLREQUEST_SOURCECOMMITID, env.BUILD_SOURCEVERSION),
        repository: nonEmpty(env.BUILD_REPOSITORY_NAME),
      };
    case 'travis':
      return {
        branch: nonEmpty(env.TRAVIS_PULL_REQUEST_BRANCH, env.TRAVIS_BRANCH),
        commit: nonEmpty(env.TRAVIS_PULL_REQUEST_SHA, env.TRAVIS_COMMIT),
        // The base repository (where the pull request lives), not the fork's TRAVIS_PULL_REQUEST_SLUG.
        repository: nonEmpty(env.TRAVIS_REPO_SLUG),
      };
  }
};

/**
 * Branch, pull request, commit and repository of the CI build, or undefined outside a known CI.
 * The pull request comes from the same rules as the env id (ciRefFromEnv), so the two agree.
 */
export const ciInfoFromEnv = async (env: Env, readFile: ReadTextFile): Promise<CiInfo | undefined> => {
  const ref = await ciRefFromEnv(env, readFile);
  if (!ref) return undefined;
  const { branch, commit, repository } = await rest(ref.provider, env, readFile);
  return {
    provider: ref.provider,
    ...(branch !== undefined && { branch }),
    ...(ref.kind === 'pull-request' && { pullRequest: ref.number }),
    ...(commit !== undefined && { commit }),
    ...(repository !== undefined && { repository }),
  };
};
