import { Args } from '@oclif/core';
import { workspaceIds, workspaceOf, workspaceUp, type WorkspaceUpResult } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { agentImage, resolveProfile, resolveTunnel, workspaceRuntimeImage } from '../../environment-context.js';
import { withInterruptSignal } from '../../interrupt-signal.js';
import { workspaceIdleFlags, workspaceImageFlags, workspaceImageRequest } from '../../workspace-flags.js';
import { workspaceCredentialFlags, workspaceCredentialsRequest } from '../../workspace-credentials.js';

export default class WorkspaceStart extends BaseCommand<typeof WorkspaceStart> {
  static override summary = 'Resume a stopped workspace: `workspace up` of the folder it was made from (postStartCommand runs, changed files sync).';
  static override args = { name: Args.string({ description: 'Workspace name.', required: true }) };
  static override flags = {
    ...workspaceCredentialFlags,
    ...workspaceImageFlags,
    ...workspaceIdleFlags,
    ...driverFlags,
  };

  async run(): Promise<WorkspaceUpResult> {
    const { args } = await this.parse(WorkspaceStart);
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const credentials = await workspaceCredentialsRequest(f, this.logger);
    const ws = workspaceOf(await store.envs(profile.name).read(workspaceIds(args.name).envId), args.name);
    const result = await withInterruptSignal((signal) =>
      workspaceUp(
        { folder: ws.source, name: ws.name, ...workspaceImageRequest(f), credentials, signal },
        { store, profile, driver: commandDriver(store, profile, f), runtime: workspaceRuntimeImage(), agentImage: agentImage(), tunnel: () => resolveTunnel(store, profile, this.logger), progress: this.progress, logger: this.logger },
      ),
    );
    this.log(`Started ${result.name}.`);
    return result;
  }
}
