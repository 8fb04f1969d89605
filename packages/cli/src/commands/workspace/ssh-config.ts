import { BaseCommand } from '../../base-command.js';
import { resolveProfile } from '../../environment-context.js';
import { sshConfigFor } from '../../workspace-context.js';

export default class WorkspaceSshConfig extends BaseCommand<typeof WorkspaceSshConfig> {
  static override summary = 'Print OpenSSH Host blocks for every workspace of the profile (for ssh, scp, rsync, VS Code Remote-SSH, JetBrains Gateway).';
  static override description =
    'Each block reaches its workspace through `preevy workspace stdio NAME` and trusts only the host key pinned at `workspace up`. The same text is written to ' +
    '$PREEVY_HOME/ssh/PROFILE/config: add `Include <that file>` at the top of ~/.ssh/config, or paste the output there.';

  async run(): Promise<{ config: string; configFile: string }> {
    const { store, profile } = await resolveProfile(this.flags.profile);
    const workspaces = (await store.envs(profile.name).list()).flatMap((r) => (r.workspace && r.status !== 'deleting' ? [r.workspace] : []));
    const { config, configFile } = await sshConfigFor(profile.name, workspaces);
    this.log(config || `# No workspaces in profile ${profile.name}.`);
    return { config, configFile };
  }
}
