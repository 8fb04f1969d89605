import { readFile } from 'node:fs/promises';
import { parseEnvInfo, type EnvInfo } from '@preevy/tunnel-protocol';
import type { ReadTextFile } from './ci-context.js';
import { ciInfoFromEnv, type CiInfo } from './ci-info.js';

type Env = Readonly<Record<string, string | undefined>>;

const trimSlash = (url: string): string => url.replace(/\/+$/, '');
const path = (s: string): string => s.split('/').map(encodeURIComponent).join('/');

/** The repository's web address, where the CI says it (a self-hosted GitHub or GitLab included). */
const repositoryUrl = (ci: CiInfo, env: Env): string | undefined => {
  if (!ci.repository) return undefined;
  if (ci.provider === 'github-actions') return `${trimSlash(env.GITHUB_SERVER_URL?.trim() || 'https://github.com')}/${path(ci.repository)}`;
  if (ci.provider === 'gitlab') return env.CI_PROJECT_URL?.trim() || (env.CI_SERVER_URL?.trim() ? `${trimSlash(env.CI_SERVER_URL.trim())}/${path(ci.repository)}` : undefined);
  return undefined;
};

/**
 * What the environment's index page shows about its code: branch, pull request and commit, linked
 * on GitHub and GitLab (other CIs: CircleCI's pull request link, else text). Read through the
 * protocol's parser, so the agent is never handed a field the tunnel server would refuse.
 */
export const envInfoFromCi = (ci: CiInfo | undefined, env: Env): EnvInfo => {
  if (!ci) return {};
  const repo = repositoryUrl(ci, env);
  const gitlab = ci.provider === 'gitlab' ? '/-' : '';
  const raw = {
    repository: ci.repository,
    repositoryUrl: repo,
    branch: ci.branch,
    branchUrl: repo && ci.branch ? `${repo}${gitlab}/tree/${path(ci.branch)}` : undefined,
    pullRequest: ci.pullRequest,
    pullRequestUrl:
      repo && ci.pullRequest !== undefined
        ? `${repo}${ci.provider === 'gitlab' ? `/-/merge_requests/${ci.pullRequest}` : `/pull/${ci.pullRequest}`}`
        : ci.provider === 'circleci'
          ? env.CIRCLE_PULL_REQUEST?.trim() || undefined
          : undefined,
    commit: ci.commit,
    commitUrl: repo && ci.commit ? `${repo}${gitlab}/commit/${ci.commit}` : undefined,
  };
  return parseEnvInfo(JSON.stringify(raw)).value;
};

/** The CI's build info for the agent (`up`); empty outside a known CI. */
export const envInfoFromEnv = async (env: Env, read: ReadTextFile = (p) => readFile(p, 'utf8')): Promise<EnvInfo> => envInfoFromCi(await ciInfoFromEnv(env, read), env);
