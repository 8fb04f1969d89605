import { Args } from '@oclif/core';
import { stopWorkspace } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { resolveProfile } from '../../environment-context.js';
import { openWorkspace } from '../../workspace-context.js';

export default class WorkspaceStop extends BaseCommand<typeof WorkspaceStop> {
  static override summary = 'Stop a workspace\'s container; /workspaces and the container stay (`workspace start` resumes).';
  static override args = { name: Args.string({ description: 'Workspace name.', required: true }) };
  static override flags = { ...driverFlags };

  async run(): Promise<void> {
    const { args } = await this.parse(WorkspaceStop);
    const { store, profile } = await resolveProfile(this.flags.profile);
    const { ws, conn } = await openWorkspace(store, profile, commandDriver(store, profile, this.flags), args.name);
    await using _ = conn;
    await this.progress.step(`Stopping ${ws.name}`, () => stopWorkspace(ws, conn));
    this.log(`Stopped ${ws.name}.`);
  }
}
