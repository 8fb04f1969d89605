import { readFile } from 'node:fs/promises';
import { envIdOfInput, MAX_ENV_ID_LENGTH, normalizeEnvId } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/index.js';
import { type CiProvider, ciRefFromEnv, type ReadTextFile } from './ci-context.js';
import type { GitRefReader } from './git-ref.js';

/** Which rule gave the environment id, for `--debug` and `--json`. */
export type EnvIdSource =
  | { rule: 'flag'; raw: string }
  | { rule: 'ci-pull-request'; provider: CiProvider; number: number; from: string }
  | { rule: 'ci-branch'; provider: CiProvider; branch: string; from: string }
  | { rule: 'git-branch'; branch: string }
  | { rule: 'git-commit'; commit: string };

export interface EnvIdResult {
  id: string;
  source: EnvIdSource;
}

export interface ResolveEnvIdInput {
  /** `--id`, if given. */
  flag?: string | undefined;
  /** The compose project name (`-p`, else the model's name). */
  projectName: string;
  env: Readonly<Record<string, string | undefined>>;
  git: GitRefReader;
  /** Reads the GitHub event payload; default: the filesystem. */
  readFile?: ReadTextFile;
}

/**
 * `{project}-{suffix}` with the suffix (`pr-12`) kept whole: a long project name is hash-shortened
 * instead, so two PRs of one project never collide and the PR number stays readable.
 */
const withSuffix = (projectName: string, suffix: string): string => {
  const room = MAX_ENV_ID_LENGTH - suffix.length - 1;
  const project = normalizeEnvId(projectName, room);
  return project ? `${project}-${suffix}` : normalizeEnvId(suffix, MAX_ENV_ID_LENGTH);
};

const withBranch = (projectName: string, branch: string): string => normalizeEnvId(`${projectName}-${branch}`, MAX_ENV_ID_LENGTH);

const PR_SUFFIX: Readonly<Record<CiProvider, string>> = {
  'github-actions': 'pr',
  gitlab: 'mr',
  circleci: 'pr',
  buildkite: 'pr',
  'azure-pipelines': 'pr',
  travis: 'pr',
};

/** A human line for `--debug`: where the id came from. */
export const describeEnvIdSource = (source: EnvIdSource): string => {
  switch (source.rule) {
    case 'flag':
      return `--id ${JSON.stringify(source.raw)}`;
    case 'ci-pull-request':
      return `${source.provider} pull request #${source.number} (${source.from})`;
    case 'ci-branch':
      return `${source.provider} branch ${source.branch} (${source.from})`;
    case 'git-branch':
      return `local git branch ${source.branch}`;
    case 'git-commit':
      return `local git commit ${source.commit} (detached HEAD)`;
  }
};

/**
 * The environment id: `--id`, else `{project}-pr-{N}` (GitLab: `-mr-{N}`) from the CI's pull
 * request, else `{project}-{branch}` from the CI or local git (a detached HEAD gives the short
 * commit). Always a DNS-safe label of at most 40 characters, hash-shortened when longer.
 */
export const resolveEnvId = async ({ flag, projectName, env, git, readFile: read = (p) => readFile(p, 'utf8') }: ResolveEnvIdInput): Promise<EnvIdResult> => {
  if (flag !== undefined) {
    const parsed = envIdOfInput(flag);
    if (!parsed.ok) {
      throw new PreevyError(`The environment id ${JSON.stringify(flag)} has no letters or digits, so it cannot name a URL`, {
        code: 'ENV_ID_INVALID',
        kind: 'usage',
        suggestions: ['Give --id letters, digits and hyphens, e.g. --id my-app-pr-12.'],
      });
    }
    return { id: parsed.id, source: { rule: 'flag', raw: flag } };
  }

  const ci = await ciRefFromEnv(env, read);
  if (ci?.kind === 'pull-request') {
    return { id: withSuffix(projectName, `${PR_SUFFIX[ci.provider]}-${ci.number}`), source: { rule: 'ci-pull-request', provider: ci.provider, number: ci.number, from: ci.from } };
  }
  if (ci?.kind === 'branch') {
    return { id: withBranch(projectName, ci.branch), source: { rule: 'ci-branch', provider: ci.provider, branch: ci.branch, from: ci.from } };
  }

  const ref = await git();
  if (ref?.kind === 'branch') return { id: withBranch(projectName, ref.branch), source: { rule: 'git-branch', branch: ref.branch } };
  if (ref?.kind === 'commit') return { id: withBranch(projectName, ref.commit), source: { rule: 'git-commit', commit: ref.commit } };

  throw new PreevyError('Cannot tell which environment this is: no --id, no pull request or branch from a CI, and no git branch here', {
    code: 'ENV_ID_UNRESOLVED',
    kind: 'usage',
    suggestions: ['Pass --id NAME (e.g. --id my-app-pr-12).', 'Or run preevy inside a git repository with at least one commit.'],
  });
};
