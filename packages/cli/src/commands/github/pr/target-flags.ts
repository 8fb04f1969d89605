import { Flags } from '@oclif/core';

/** The flags both `github pr` commands share: which pull request, and how to reach GitHub. */
export const prTargetFlags = {
  repo: Flags.string({ description: 'Repository as OWNER/NAME (default: from the CI, e.g. GITHUB_REPOSITORY).' }),
  pr: Flags.integer({ description: 'Pull request number (default: from the CI).', min: 1 }),
  commit: Flags.string({ description: 'Commit the preview was built from (default: from the CI).' }),
  token: Flags.string({ description: 'GitHub token (never printed).', env: 'GITHUB_TOKEN' }),
  'api-url': Flags.string({ description: 'GitHub API base URL.', env: 'GITHUB_API_URL', default: 'https://api.github.com' }),
  'comment-template': Flags.file({ description: 'Nunjucks template of the comment (default: the shipped templates/github/pr-comment.md.njk).', exists: true }),
};
