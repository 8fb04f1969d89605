import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PreevyError } from '@preevy/core';
import nunjucks from 'nunjucks';

/** One URL of the environment as the comment shows it (the shape of `up --json`'s urls). */
export interface CommentUrl {
  service: string;
  port: number;
  url: string;
  access: 'public' | 'private';
}

export interface PrCommentInput {
  envId: string;
  state: 'up' | 'gone';
  commit?: string | undefined;
  urls: readonly CommentUrl[];
  /** A user's nunjucks file instead of the shipped templates/github/pr-comment.md.njk. */
  templatePath?: string | undefined;
}

/** The hidden line that finds this environment's comment again, so there is only ever one. */
export const commentMarker = (envId: string): string => `<!-- preevy:env-id=${envId} -->`;

// The repo's templates/github, found upwards: this module runs from src/github/ and dist/github/.
const defaultTemplatePath = (): string => {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'templates', 'github', 'pr-comment.md.njk');
    if (existsSync(candidate)) return candidate;
  }
  return join(start, 'templates', 'github', 'pr-comment.md.njk');
};

// A URL in a comment must never carry a share token: private URLs are shown bare.
const withoutQuery = (url: string): string => {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.toString();
};

/** The comment's body: the rendered template, then the marker. An `up` without URLs is an error, never a success. */
export const renderPrComment = ({ envId, state, commit, urls, templatePath }: PrCommentInput): string => {
  if (state === 'up' && urls.length === 0) {
    throw new PreevyError(`Environment ${envId} has no URLs, so there is nothing to post`, {
      code: 'GITHUB_COMMENT_NO_URLS',
      kind: 'invalid-input',
      suggestions: ['Publish at least one port (`ports:`) in a compose service.', 'Check the output of `preevy up --json` that was passed in.'],
    });
  }
  const path = templatePath ?? defaultTemplatePath();
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new PreevyError(`Cannot read the comment template ${path}`, {
      code: 'GITHUB_COMMENT_TEMPLATE_UNREADABLE',
      kind: 'invalid-input',
      suggestions: ['Pass an existing nunjucks file to --comment-template, or omit it for the default.'],
      cause,
    });
  }
  let rendered: string;
  try {
    const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
    rendered = env.renderString(source, { envId, state, commit, urls: urls.map((u) => ({ ...u, url: withoutQuery(u.url) })) });
  } catch (cause) {
    throw new PreevyError(`The comment template ${path} does not render: ${cause instanceof Error ? cause.message : String(cause)}`, {
      code: 'GITHUB_COMMENT_TEMPLATE_INVALID',
      kind: 'invalid-input',
      suggestions: ['Fix the nunjucks syntax; variables: envId, state ("up" | "gone"), commit, urls[] (service, port, url, access).'],
      cause,
    });
  }
  return `${commentMarker(envId)}\n${rendered.trim()}\n`;
};
