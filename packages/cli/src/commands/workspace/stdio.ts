import { join } from 'node:path';
import { Args } from '@oclif/core';
import { stdioExecArgs } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { resolveProfile } from '../../environment-context.js';
import { dockerInteractive, openWorkspace } from '../../workspace-context.js';

export default class WorkspaceStdio extends BaseCommand<typeof WorkspaceStdio> {
  static override summary = 'Serve one SSH connection to a workspace on stdin/stdout (the ProxyCommand of `workspace ssh-config`).';
  static override hidden = true;
  static override args = { name: Args.string({ description: 'Workspace name.', required: true }) };
  static override flags = { ...driverFlags };

  async run(): Promise<void> {
    const { args } = await this.parse(WorkspaceStdio);
    const { store, profile } = await resolveProfile(this.flags.profile);
    const { workspaceAgentDir } = await import('@preevy/agent');
    const { ws, conn } = await openWorkspace(store, profile, commandDriver(store, profile, this.flags), args.name);
    await using _ = conn;
    process.exitCode = await dockerInteractive(conn, await stdioExecArgs(ws, join(workspaceAgentDir(), 'agent.mjs')));
  }
}
