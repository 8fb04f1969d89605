import { createInterface } from 'node:readline/promises';
import { Args, Flags } from '@oclif/core';
import { down, PreevyError, workspaceIds, type DownResult } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { resolveProfile } from '../../environment-context.js';
import { withInterruptSignal } from '../../interrupt-signal.js';

export default class WorkspaceDown extends BaseCommand<typeof WorkspaceDown> {
  static override summary = 'Remove a workspace: its container(s), its /workspaces volume (asks first) and its record.';
  static override args = { name: Args.string({ description: 'Workspace name.', required: true }) };
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'Delete the workspace volume (/workspaces) without asking (needed without a terminal, e.g. in CI).' }),
    ...driverFlags,
  };

  async run(): Promise<DownResult> {
    const { args } = await this.parse(WorkspaceDown);
    const f = this.flags;
    const { name, envId, volume } = workspaceIds(args.name);
    if (!f.yes) await this.confirm(`Delete workspace ${name} and its volume ${volume} (everything under /workspaces)? [y/N] `);
    const { store, profile } = await resolveProfile(f.profile);
    const result = await withInterruptSignal((signal) =>
      down(envId, { envs: store.envs(profile.name), profile, driver: commandDriver(store, profile, f), progress: this.progress, signal }),
    );
    this.log(result.existed ? `Removed workspace ${name}.` : `Nothing to remove: workspace ${name} does not exist.`);
    return result;
  }

  private async confirm(question: string): Promise<void> {
    if (!process.stdin.isTTY) {
      throw new PreevyError('Deleting a workspace volume needs a yes', { code: 'CONFIRMATION_REQUIRED', kind: 'usage', suggestions: ['Pass --yes to delete it without a terminal.'] });
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(question).finally(() => rl.close());
    if (!/^y(es)?$/i.test(answer.trim())) throw new PreevyError('Not deleted', { code: 'CANCELLED', kind: 'interrupted', suggestions: [] });
  }
}
