import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../base-command.js';
import { prTargetFlags } from './target-flags.js';

export default class GithubPrComment extends BaseCommand<typeof GithubPrComment> {
  static override summary = 'After `up`: create or update the one pull request comment with the URLs, and a GitHub deployment.';
  static override examples = ['<%= config.bin %> up --json > up.json && <%= config.bin %> github pr comment --up-json up.json'];
  static override flags = {
    'up-json': Flags.file({ description: 'Output of `preevy up --json`.', required: true, exists: true }),
    ...prTargetFlags,
    deployment: Flags.boolean({ description: 'Also create a GitHub deployment whose environment_url is the preview.', default: true, allowNo: true }),
    'deployment-service': Flags.string({ description: 'Service whose URL the deployment links (default: the first public URL).' }),
  };

  async run(): Promise<unknown> {
    const f = this.flags;
    // Octokit loads only for these commands.
    const { readUpJson, reportPreviewUp } = await import('../../../github/index.js');
    const outcome = await reportPreviewUp({
      up: await readUpJson(f['up-json']),
      repo: f.repo, pullRequest: f.pr, commit: f.commit, token: f.token, apiUrl: f['api-url'], env: process.env,
      templatePath: f['comment-template'], deployment: f.deployment, deploymentService: f['deployment-service'],
    }, this.logger);
    if (outcome.commentAction) this.log(`Comment ${outcome.commentAction} (id ${outcome.commentId})`);
    if (outcome.deploymentId !== undefined) this.log(`Deployment ${outcome.deploymentId} created`);
    return outcome;
  }
}
