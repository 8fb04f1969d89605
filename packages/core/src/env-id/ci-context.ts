/** CI services whose pull request or branch preevy reads from the environment. */
export type CiProvider = 'github-actions' | 'gitlab' | 'circleci' | 'buildkite' | 'azure-pipelines' | 'travis';

/** What the CI says this build is for, and which variable (or file) said so. */
export type CiRef =
  | { provider: CiProvider; kind: 'pull-request'; number: number; from: string }
  | { provider: CiProvider; kind: 'branch'; branch: string; from: string };

type Env = Readonly<Record<string, string | undefined>>;
/** Reads a text file; injected so the GitHub event payload can be faked in tests. */
export type ReadTextFile = (path: string) => Promise<string>;

const prNumber = (raw: string | undefined): number | undefined => (raw !== undefined && /^\d+$/.test(raw.trim()) && Number(raw) > 0 ? Number(raw) : undefined);

const pr = (provider: CiProvider, number: number | undefined, from: string): CiRef | undefined => (number === undefined ? undefined : { provider, kind: 'pull-request', number, from });
const branch = (provider: CiProvider, name: string | undefined, from: string): CiRef | undefined => (name ? { provider, kind: 'branch', branch: name, from } : undefined);

const githubEventNumber = async (path: string | undefined, readFile: ReadTextFile): Promise<number | undefined> => {
  if (!path) return undefined;
  try {
    const event = JSON.parse(await readFile(path)) as { number?: unknown; pull_request?: { number?: unknown } };
    const n = event.number ?? event.pull_request?.number;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    // An unreadable payload is not fatal: the next rule (the branch) still gives a stable id.
    return undefined;
  }
};

const github = async (env: Env, readFile: ReadTextFile): Promise<CiRef | undefined> => {
  if (env.GITHUB_EVENT_NAME === 'pull_request' || env.GITHUB_EVENT_NAME === 'pull_request_target') {
    // `pull_request_target` runs on the base branch: GITHUB_REF names it, only the payload has the number.
    const fromRef = pr('github-actions', prNumber(/^refs\/pull\/(\d+)\/(merge|head)$/.exec(env.GITHUB_REF ?? '')?.[1]), 'GITHUB_REF');
    if (fromRef) return fromRef;
    const fromEvent = pr('github-actions', await githubEventNumber(env.GITHUB_EVENT_PATH, readFile), 'GITHUB_EVENT_PATH');
    if (fromEvent) return fromEvent;
    // The head branch is the PR's own branch: stable across pushes to the PR, unlike GITHUB_REF_NAME (`N/merge`).
    return branch('github-actions', env.GITHUB_HEAD_REF, 'GITHUB_HEAD_REF');
  }
  return branch('github-actions', env.GITHUB_REF_NAME, 'GITHUB_REF_NAME');
};

const gitlab = (env: Env): CiRef | undefined =>
  pr('gitlab', prNumber(env.CI_MERGE_REQUEST_IID), 'CI_MERGE_REQUEST_IID') ?? branch('gitlab', env.CI_COMMIT_REF_NAME, 'CI_COMMIT_REF_NAME');

const circleci = (env: Env): CiRef | undefined =>
  pr('circleci', prNumber(/\/pull\/(\d+)\/?$/.exec(env.CIRCLE_PULL_REQUEST ?? '')?.[1]), 'CIRCLE_PULL_REQUEST') ??
  pr('circleci', prNumber(env.CIRCLE_PR_NUMBER), 'CIRCLE_PR_NUMBER') ??
  branch('circleci', env.CIRCLE_BRANCH, 'CIRCLE_BRANCH');

const buildkite = (env: Env): CiRef | undefined =>
  pr('buildkite', prNumber(env.BUILDKITE_PULL_REQUEST), 'BUILDKITE_PULL_REQUEST') ?? branch('buildkite', env.BUILDKITE_BRANCH, 'BUILDKITE_BRANCH');

const azure = (env: Env): CiRef | undefined =>
  // ...NUMBER is set for GitHub-hosted repositories, ...ID for Azure Repos.
  pr('azure-pipelines', prNumber(env.SYSTEM_PULLREQUEST_PULLREQUESTNUMBER), 'SYSTEM_PULLREQUEST_PULLREQUESTNUMBER') ??
  pr('azure-pipelines', prNumber(env.SYSTEM_PULLREQUEST_PULLREQUESTID), 'SYSTEM_PULLREQUEST_PULLREQUESTID') ??
  // BUILD_SOURCEBRANCHNAME keeps only the last path segment (`feature/a` → `a`); prefer the full ref.
  branch('azure-pipelines', env.BUILD_SOURCEBRANCH?.replace(/^refs\/heads\//, ''), 'BUILD_SOURCEBRANCH') ??
  branch('azure-pipelines', env.BUILD_SOURCEBRANCHNAME, 'BUILD_SOURCEBRANCHNAME');

const travis = (env: Env): CiRef | undefined =>
  pr('travis', prNumber(env.TRAVIS_PULL_REQUEST), 'TRAVIS_PULL_REQUEST') ??
  branch('travis', env.TRAVIS_PULL_REQUEST_BRANCH, 'TRAVIS_PULL_REQUEST_BRANCH') ??
  branch('travis', env.TRAVIS_BRANCH, 'TRAVIS_BRANCH');

/**
 * The pull request (else the branch) the CI build is for, from the CI's documented variables.
 * Each CI is recognised by its own marker variable, so stray variables on a laptop are ignored.
 */
export const ciRefFromEnv = async (env: Env, readFile: ReadTextFile): Promise<CiRef | undefined> => {
  if (env.GITHUB_ACTIONS === 'true') return github(env, readFile);
  if (env.GITLAB_CI === 'true') return gitlab(env);
  if (env.CIRCLECI === 'true') return circleci(env);
  if (env.BUILDKITE === 'true') return buildkite(env);
  if (env.TF_BUILD?.toLowerCase() === 'true') return azure(env);
  if (env.TRAVIS === 'true') return travis(env);
  return undefined;
};
