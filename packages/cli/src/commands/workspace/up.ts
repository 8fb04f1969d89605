import { Args, Flags } from '@oclif/core';
import { workspaceUp, type WorkspaceUpResult } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { agentImage, resolveProfile, resolveTunnel, workspaceRuntimeImage } from '../../environment-context.js';
import { withInterruptSignal } from '../../interrupt-signal.js';
import { renderTable } from '../../ui/render-table.js';
import { workspaceIdleFlags, workspaceImageFlags, workspaceImageRequest } from '../../workspace-flags.js';
import { workspaceCredentialFlags, workspaceCredentialsRequest } from '../../workspace-credentials.js';

export default class WorkspaceUp extends BaseCommand<typeof WorkspaceUp> {
  static override summary = 'Build and start the devcontainer of a folder on the profile\'s Docker host, with its sources in a persistent volume.';
  static override description =
    'Reads .devcontainer/devcontainer.json (or .devcontainer.json) of PATH, syncs PATH into the workspace volume (mounted at /workspaces), builds and starts ' +
    'the container with the devcontainers reference CLI, and prints how to reach it. Running it again syncs changed files; a changed devcontainer.json remakes the container.';
  static override examples = ['<%= config.bin %> workspace up', '<%= config.bin %> workspace up ./my-repo --name my-ws --driver kube-pod', '<%= config.bin %> workspace up https://github.com/me/app.git#main'];
  static override args = { path: Args.string({ description: 'Folder with the sources and the devcontainer.json, or a git URL (URL#branch, URL#tag, URL#commit) that this machine\'s git fetches.', default: '.' }) };
  static override flags = {
    name: Flags.string({ description: 'Workspace name (default: the folder\'s name).' }),
    config: Flags.file({ description: 'devcontainer.json to use (default: .devcontainer/devcontainer.json, then .devcontainer.json).', exists: true }),
    ...workspaceCredentialFlags,
    ...workspaceImageFlags,
    ...workspaceIdleFlags,
    ...driverFlags,
  };

  async run(): Promise<WorkspaceUpResult> {
    const { args } = await this.parse(WorkspaceUp);
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const credentials = await workspaceCredentialsRequest(f, this.logger);
    const result = await withInterruptSignal((signal) =>
      workspaceUp(
        { folder: args.path, configFile: f.config, name: f.name, ...workspaceImageRequest(f), credentials, signal },
        { store, profile, driver: commandDriver(store, profile, f), runtime: workspaceRuntimeImage(), agentImage: agentImage(), tunnel: () => resolveTunnel(store, profile, this.logger), progress: this.progress, logger: this.logger },
      ),
    );
    this.log(`Workspace ${result.name} is up (${result.created ? 'built' : 'unchanged'}; ${result.sync.sent} files synced) at ${result.workspaceFolder} as ${result.remoteUser}.`);
    if (result.urls.length) {
      // A compose devcontainer's URLs belong to several services: say which.
      const services = result.urls.some((u) => u.service !== result.urls[0]!.service);
      this.log(services ? renderTable(['service', 'port', 'url'], result.urls.map((u) => [u.service, String(u.port), u.url])) : renderTable(['port', 'url'], result.urls.map((u) => [String(u.port), u.url])));
      this.log(`The URLs are private: \`${this.config.bin} urls --id ${result.envId} --include-access-credentials\` prints links to share.`);
    }
    this.log(`Shell: ${this.config.bin} workspace ssh ${result.name}`);
    return result;
  }
}
