import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPreevyError, type Logger } from '@preevy/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGithubApi } from '../../../../test/support/fake-github-api.js';
import { commentMarker } from './pr-comment-body.js';
import { deploymentUrl, reportPreviewGone, reportPreviewUp, type UpJson } from './pr-report.js';

const TOKEN = 'ghs_secret-token-value';
const up: UpJson = {
  envId: 'app-pr-7',
  urls: [
    { service: 'api', port: 3000, url: 'https://api-3000-app-pr-7-c1.example.test/', access: 'private' },
    { service: 'web', port: 80, url: 'https://web-80-app-pr-7-c1.example.test/', access: 'public' },
  ],
};

const recordingLogger = (): Logger & { warnings: string[] } => {
  const warnings: string[] = [];
  const noop = (): void => undefined;
  return { warnings, debug: noop, info: noop, error: noop, warn: (m: string) => void warnings.push(m) };
};

describe('pull request report against a GitHub API on loopback', () => {
  let api: FakeGithubApi;
  let env: Record<string, string>;

  beforeEach(async () => {
    api = await FakeGithubApi.start();
    const dir = await mkdtemp(join(tmpdir(), 'preevy-gh-'));
    const eventPath = join(dir, 'event.json');
    await writeFile(eventPath, JSON.stringify({ action: 'synchronize', number: 7, pull_request: { number: 7, head: { sha: 'head-sha-1', ref: 'feat/x' } } }));
    env = {
      GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath, GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_HEAD_REF: 'feat/x', GITHUB_SHA: 'merge-sha', GITHUB_REPOSITORY: 'o/r',
    };
  });
  afterEach(async () => {
    await api[Symbol.asyncDispose]();
  });

  const target = () => ({ token: TOKEN, apiUrl: api.url, env });

  it('should create one comment, update it on the next up, and mark it gone on down', async () => {
    const logger = recordingLogger();
    const first = await reportPreviewUp({ ...target(), up, deployment: true }, logger);
    expect(first.commentAction).toBe('created');
    const second = await reportPreviewUp({ ...target(), up, deployment: true }, logger);
    expect(second).toMatchObject({ commentAction: 'updated', commentId: first.commentId });

    const comments = api.comments.get(7)!;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(commentMarker('app-pr-7'));
    expect(comments[0]!.body).toContain('| web | 80 | https://web-80-app-pr-7-c1.example.test/ |');
    expect(comments[0]!.body).toMatch(/\| api \| 3000 \| https:\/\/api-3000-app-pr-7-c1\.example\.test\/ \(private/);
    expect(comments[0]!.body).toContain('head-sha-1');

    expect(api.deployments).toHaveLength(2);
    expect(api.deployments[0]).toMatchObject({ environment: 'preview/app-pr-7', ref: 'head-sha-1' });
    expect(api.deployments[0]!.statuses).toEqual([expect.objectContaining({ state: 'success', environment_url: 'https://web-80-app-pr-7-c1.example.test/' })]);

    const gone = await reportPreviewGone({ ...target(), envId: 'app-pr-7' }, logger);
    expect(gone.commentAction).toBe('updated');
    expect(api.comments.get(7)).toHaveLength(1);
    expect(api.comments.get(7)![0]!.body).toMatch(/is gone/);
    expect(api.comments.get(7)![0]!.body).not.toContain('web-80');
    for (const d of api.deployments) expect(d.statuses.at(-1)).toMatchObject({ state: 'inactive' });

    expect(logger.warnings).toEqual([]);
    // The token travels only in the Authorization header, never in a body.
    expect(api.calls.every((c) => c.authorization === `token ${TOKEN}`)).toBe(true);
    expect(JSON.stringify(api.calls.map((c) => c.body))).not.toContain(TOKEN);
  });

  it('should link the chosen --deployment-service', async () => {
    await reportPreviewUp({ ...target(), up, deployment: true, deploymentService: 'api' }, recordingLogger());
    expect(api.deployments[0]!.statuses[0]).toMatchObject({ environment_url: 'https://api-3000-app-pr-7-c1.example.test/' });
  });

  it('should turn a 403 into a warning and still report the rest', async () => {
    api.forbid = /deployments/;
    const logger = recordingLogger();
    const outcome = await reportPreviewUp({ ...target(), up, deployment: true }, logger);
    expect(outcome).toMatchObject({ commentAction: 'created', forbidden: ['create the deployment'] });
    expect(logger.warnings.join('\n')).toMatch(/403.*deployments: write/);
    expect(api.comments.get(7)).toHaveLength(1);
  });

  it('should refuse to post an empty URL list as a success', async () => {
    const err = await reportPreviewUp({ ...target(), up: { envId: 'app-pr-7', urls: [] }, deployment: true }, recordingLogger()).catch((e: unknown) => e);
    expect(isPreevyError(err) && err.code).toBe('GITHUB_COMMENT_NO_URLS');
    expect(api.calls).toEqual([]);
  });

  it('should render a user template and strip any query (a share token) from URLs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'preevy-gh-tpl-'));
    const templatePath = join(dir, 'c.njk');
    await writeFile(templatePath, 'custom {{ envId }}:{% for u in urls %} {{ u.url }}{% endfor %}');
    const withToken = { envId: 'app-pr-7', urls: [{ service: 'web', port: 80, url: 'https://web.example.test/?preevy_token=abc', access: 'private' as const }] };
    await reportPreviewUp({ ...target(), up: withToken, deployment: false, templatePath }, recordingLogger());
    expect(api.comments.get(7)![0]!.body).toBe(`${commentMarker('app-pr-7')}\ncustom app-pr-7: https://web.example.test/\n`);
  });

  it('should say what to pass when no pull request is known', async () => {
    const err = await reportPreviewUp({ token: TOKEN, apiUrl: api.url, env: { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF_NAME: 'main', GITHUB_REPOSITORY: 'o/r' }, up, deployment: true }, recordingLogger()).catch((e: unknown) => e);
    expect(isPreevyError(err) && err.code).toBe('GITHUB_PR_UNKNOWN');
  });

  it('should name the services when --deployment-service is unknown, and say which token is missing', async () => {
    let err: unknown;
    try {
      deploymentUrl(up.urls, 'db');
    } catch (e) {
      err = e;
    }
    expect(isPreevyError(err) && err.suggestions).toEqual(['Use one of: api, web.']);
    const noToken = await reportPreviewUp({ token: undefined, apiUrl: api.url, env, up, deployment: true }, recordingLogger()).catch((e: unknown) => e);
    expect(isPreevyError(noToken) && noToken.code).toBe('GITHUB_TOKEN_MISSING');
    expect(api.calls).toEqual([]);
  });
});
