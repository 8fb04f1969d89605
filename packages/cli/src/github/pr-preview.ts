import { PreevyError, type Logger } from '@preevy/core';
import type { Octokit } from '@octokit/rest';
import { commentMarker } from './pr-comment-body.js';

/** Where the preview is reported: `owner/name` and the pull request number. */
export interface PrTarget {
  owner: string;
  repo: string;
  pullRequest: number;
}

export interface PreviewOutcome {
  commentId?: number;
  commentAction?: 'created' | 'updated';
  deploymentId?: number;
  /** API calls refused with 403 (a token without the permission): warned about, not fatal. */
  forbidden: string[];
}

const status = (err: unknown): number | undefined => (typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : undefined);

/** Runs one API step; a 403 becomes a warning naming the missing permission, anything else an error. */
const step = async <T>(what: string, permission: string, outcome: PreviewOutcome, logger: Logger, run: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await run();
  } catch (err) {
    if (status(err) === 403) {
      outcome.forbidden.push(what);
      logger.warn(`GitHub refused to ${what} (403): the token needs "${permission}" permission; the preview itself is fine`);
      return undefined;
    }
    throw new PreevyError(`GitHub API failed to ${what}: ${err instanceof Error ? err.message : String(err)}`, {
      code: 'GITHUB_API_FAILED',
      kind: 'unavailable',
      suggestions: ['Check the token (github-token) and that the repository and pull request exist.', 'GITHUB_API_URL must point at the API of your GitHub (Enterprise) server.'],
      cause: err,
    });
  }
};

const findComment = async (octokit: Octokit, t: PrTarget, envId: string): Promise<number | undefined> => {
  const marker = commentMarker(envId);
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: t.owner, repo: t.repo, issue_number: t.pullRequest, per_page: 100 });
  return comments.find((c) => c.body?.includes(marker))?.id;
};

/** Creates this environment's comment, or updates it in place when one with its marker exists. */
export const upsertPrComment = async (octokit: Octokit, t: PrTarget, envId: string, body: string, logger: Logger, outcome: PreviewOutcome): Promise<void> => {
  await step('write the pull request comment', 'pull-requests: write', outcome, logger, async () => {
    const existing = await findComment(octokit, t, envId);
    if (existing === undefined) {
      const { data } = await octokit.rest.issues.createComment({ owner: t.owner, repo: t.repo, issue_number: t.pullRequest, body });
      Object.assign(outcome, { commentId: data.id, commentAction: 'created' });
    } else {
      await octokit.rest.issues.updateComment({ owner: t.owner, repo: t.repo, comment_id: existing, body });
      Object.assign(outcome, { commentId: existing, commentAction: 'updated' });
    }
  });
};

/** Only updates: after `down` there is nothing to say on a pull request that never had a comment. */
export const updatePrCommentIfAny = async (octokit: Octokit, t: PrTarget, envId: string, body: string, logger: Logger, outcome: PreviewOutcome): Promise<void> => {
  await step('update the pull request comment', 'pull-requests: write', outcome, logger, async () => {
    const existing = await findComment(octokit, t, envId);
    if (existing === undefined) return;
    await octokit.rest.issues.updateComment({ owner: t.owner, repo: t.repo, comment_id: existing, body });
    Object.assign(outcome, { commentId: existing, commentAction: 'updated' });
  });
};

/** The deployment's environment name on GitHub: one per preview, so each has its own status history. */
export const deploymentEnvironment = (envId: string): string => `preview/${envId}`;

/** A deployment of `ref` with a success status whose environment_url is the preview's URL. */
export const createPreviewDeployment = async (octokit: Octokit, t: PrTarget, envId: string, ref: string, environmentUrl: string, logger: Logger, outcome: PreviewOutcome): Promise<void> => {
  await step('create the deployment', 'deployments: write', outcome, logger, async () => {
    const environment = deploymentEnvironment(envId);
    const { data } = await octokit.rest.repos.createDeployment({
      owner: t.owner, repo: t.repo, ref, environment, auto_merge: false, required_contexts: [], transient_environment: true, description: `preevy ${envId}`,
    });
    if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${data.message ?? 'no reason given'}`);
    await octokit.rest.repos.createDeploymentStatus({ owner: t.owner, repo: t.repo, deployment_id: data.id, state: 'success', environment_url: environmentUrl, auto_inactive: true });
    outcome.deploymentId = data.id;
  });
};

/** Marks every deployment of this preview inactive, so GitHub stops linking the dead URL. */
export const deactivatePreviewDeployments = async (octokit: Octokit, t: PrTarget, envId: string, logger: Logger, outcome: PreviewOutcome): Promise<void> => {
  await step('mark the deployment inactive', 'deployments: write', outcome, logger, async () => {
    const deployments = await octokit.paginate(octokit.rest.repos.listDeployments, { owner: t.owner, repo: t.repo, environment: deploymentEnvironment(envId), per_page: 100 });
    for (const d of deployments) {
      await octokit.rest.repos.createDeploymentStatus({ owner: t.owner, repo: t.repo, deployment_id: d.id, state: 'inactive' });
      outcome.deploymentId = d.id;
    }
  });
};
