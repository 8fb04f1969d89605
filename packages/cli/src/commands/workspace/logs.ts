import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { resolveProfile } from '../../environment-context.js';
import { dockerInteractive, openWorkspace } from '../../workspace-context.js';

export default class WorkspaceLogs extends BaseCommand<typeof WorkspaceLogs> {
  static override summary = 'Print the log of a workspace\'s container (its entrypoint and lifecycle output), through the driver.';
  static override args = { name: Args.string({ description: 'Workspace name.', required: true }) };
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines.' }),
    tail: Flags.string({ description: 'Only this many lines from the end ("all" for everything).', default: 'all' }),
    ...driverFlags,
  };

  async run(): Promise<void> {
    const { args } = await this.parse(WorkspaceLogs);
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const { ws, conn } = await openWorkspace(store, profile, commandDriver(store, profile, f), args.name);
    await using _ = conn;
    process.exitCode = await dockerInteractive(conn, ['logs', '--tail', f.tail, ...(f.follow ? ['--follow'] : []), ws.containerId]);
  }
}
