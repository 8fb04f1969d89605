import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../base-command.js';
import { prTargetFlags } from './target-flags.js';

export default class GithubPrUncomment extends BaseCommand<typeof GithubPrUncomment> {
  static override summary = 'After `down`: edit the pull request comment to say the preview is gone, and mark its deployments inactive.';
  static override examples = ['<%= config.bin %> github pr uncomment --id my-app-pr-12'];
  static override flags = {
    id: Flags.string({ description: 'Environment id (as printed by `preevy env-id` or `up --json`).', env: 'PREEVY_ENV_ID', required: true }),
    ...prTargetFlags,
  };

  async run(): Promise<unknown> {
    const f = this.flags;
    const { reportPreviewGone } = await import('../../../github/index.js');
    const outcome = await reportPreviewGone({
      envId: f.id, repo: f.repo, pullRequest: f.pr, commit: f.commit, token: f.token, apiUrl: f['api-url'], env: process.env, templatePath: f['comment-template'],
    }, this.logger);
    this.log(outcome.commentAction ? `Comment updated (id ${outcome.commentId})` : 'No preevy comment on this pull request');
    return outcome;
  }
}
