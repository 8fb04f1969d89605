import { readFile } from 'node:fs/promises';
import { ciInfoFromEnv, PreevyError, type Logger } from '@preevy/core';
import { Octokit } from '@octokit/rest';
import { renderPrComment, type CommentUrl } from './pr-comment-body.js';
import { createPreviewDeployment, deactivatePreviewDeployments, updatePrCommentIfAny, upsertPrComment, type PreviewOutcome, type PrTarget } from './pr-preview.js';

/** Flags that name the pull request; each defaults to what the CI says. */
export interface PrTargetInput {
  repo?: string | undefined;
  pullRequest?: number | undefined;
  commit?: string | undefined;
  token: string | undefined;
  apiUrl: string;
  env: Readonly<Record<string, string | undefined>>;
}

const usage = (message: string, code: string, suggestions: string[]): PreevyError => new PreevyError(message, { code, kind: 'usage', suggestions });

const resolveTarget = async (input: PrTargetInput, logger: Logger): Promise<{ target: PrTarget; commit: string | undefined; octokit: Octokit }> => {
  const ci = await ciInfoFromEnv(input.env, (p) => readFile(p, 'utf8'));
  const repo = input.repo ?? ci?.repository;
  const pullRequest = input.pullRequest ?? ci?.pullRequest;
  const [owner, name, ...extra] = (repo ?? '').split('/');
  if (!owner || !name || extra.length > 0) {
    throw usage(`Cannot tell the GitHub repository (got ${JSON.stringify(repo ?? '')})`, 'GITHUB_REPO_UNKNOWN', ['Pass --repo OWNER/NAME, or run in GitHub Actions (GITHUB_REPOSITORY).']);
  }
  if (pullRequest === undefined) {
    throw usage('Cannot tell the pull request number', 'GITHUB_PR_UNKNOWN', ['Pass --pr N, or run on a pull_request event.']);
  }
  if (!input.token) {
    throw usage('No GitHub token', 'GITHUB_TOKEN_MISSING', ['Set GITHUB_TOKEN (in a workflow: `${{ github.token }}`) or pass --token.']);
  }
  // The token goes only into Octokit's auth header; it is never logged or rendered.
  const octokit = new Octokit({ auth: input.token, baseUrl: input.apiUrl.replace(/\/+$/, ''), userAgent: 'preevy',
    // Octokit's own request lines go to debug: a 403 is reported once, by pr-preview's warning.
    log: { debug: (m: string) => logger.debug(m), info: (m: string) => logger.debug(m), warn: (m: string) => logger.debug(m), error: (m: string) => logger.debug(m) },
  });
  return { target: { owner, repo: name, pullRequest }, commit: input.commit ?? ci?.commit, octokit };
};

/** The part of `preevy up --json` the comment needs. */
export interface UpJson {
  envId: string;
  urls: CommentUrl[];
}

export const readUpJson = async (path: string): Promise<UpJson> => {
  const bad = (why: string, cause?: unknown): PreevyError =>
    new PreevyError(`${path} is not the output of \`preevy up --json\`: ${why}`, { code: 'GITHUB_UP_JSON_INVALID', kind: 'invalid-input', suggestions: ['Run `preevy up --json > FILE` and pass that FILE.'], cause });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw bad('unreadable or not JSON', cause);
  }
  const o = parsed as Partial<UpJson>;
  if (typeof o.envId !== 'string' || !Array.isArray(o.urls)) throw bad('no envId or urls');
  return { envId: o.envId, urls: o.urls };
};

/** Picks the deployment's environment_url: the chosen service's first URL, else the first public one. */
export const deploymentUrl = (urls: readonly CommentUrl[], service: string | undefined): string | undefined => {
  if (service === undefined) return urls.find((u) => u.access === 'public')?.url;
  const found = urls.find((u) => u.service === service);
  if (!found) {
    throw usage(`--deployment-service ${service} is not a service with a URL`, 'GITHUB_DEPLOYMENT_SERVICE_UNKNOWN', [`Use one of: ${[...new Set(urls.map((u) => u.service))].join(', ')}.`]);
  }
  return found.url.split('?')[0];
};

export interface PrCommentInput extends PrTargetInput {
  up: UpJson;
  templatePath?: string | undefined;
  deployment: boolean;
  deploymentService?: string | undefined;
}

/** After `up`: one comment (created or updated) and, unless disabled, a deployment with its URL. */
export const reportPreviewUp = async (input: PrCommentInput, logger: Logger): Promise<PreviewOutcome> => {
  const url = input.deployment ? deploymentUrl(input.up.urls, input.deploymentService) : undefined;
  const { target, commit, octokit } = await resolveTarget(input, logger);
  const body = renderPrComment({ envId: input.up.envId, state: 'up', commit, urls: input.up.urls, templatePath: input.templatePath });
  const outcome: PreviewOutcome = { forbidden: [] };
  await upsertPrComment(octokit, target, input.up.envId, body, logger, outcome);
  if (url !== undefined && commit !== undefined) await createPreviewDeployment(octokit, target, input.up.envId, commit, url, logger, outcome);
  else if (input.deployment) logger.warn('No deployment created: it needs a public URL (or --deployment-service) and the commit');
  return outcome;
};

export interface PrUncommentInput extends PrTargetInput {
  envId: string;
  templatePath?: string | undefined;
}

/** After `down`: the comment says the preview is gone, and the deployments turn inactive. */
export const reportPreviewGone = async (input: PrUncommentInput, logger: Logger): Promise<PreviewOutcome> => {
  const { target, commit, octokit } = await resolveTarget(input, logger);
  const body = renderPrComment({ envId: input.envId, state: 'gone', commit, urls: [], templatePath: input.templatePath });
  const outcome: PreviewOutcome = { forbidden: [] };
  await updatePrCommentIfAny(octokit, target, input.envId, body, logger, outcome);
  await deactivatePreviewDeployments(octokit, target, input.envId, logger, outcome);
  return outcome;
};
