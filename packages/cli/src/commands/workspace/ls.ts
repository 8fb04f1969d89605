import { workspaceNameOf, workspaceState } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { resolveProfile } from '../../environment-context.js';
import { formatAge } from '../../ui/age.js';
import { renderTable } from '../../ui/render-table.js';
import { openWorkspace } from '../../workspace-context.js';

export interface WorkspaceEntry {
  name: string;
  driver: string;
  /** The container's state as its host reports it (`running`, `exited`, …), or why it could not be read. */
  state: string;
  lastUpAt?: string | undefined;
  workspaceFolder: string;
  source: string;
}

export default class WorkspaceLs extends BaseCommand<typeof WorkspaceLs> {
  static override summary = 'List the workspaces of the profile with the state of their containers.';
  static override flags = { ...driverFlags };

  async run(): Promise<WorkspaceEntry[]> {
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const driver = commandDriver(store, profile, f);
    const records = (await store.envs(profile.name).list()).filter((r) => r.workspace && workspaceNameOf(r.envId));
    const entries = await Promise.all(
      records.map(async (r): Promise<WorkspaceEntry> => {
        const ws = r.workspace!;
        const state = await (async () => {
          const { conn } = await openWorkspace(store, profile, driver, ws.name);
          await using _ = conn;
          return await workspaceState(ws, conn); // awaited here: the connection closes when this function returns
        })().catch((err: unknown) => `unreachable (${(err as Error).message})`);
        return { name: ws.name, driver: r.driver, state, lastUpAt: r.lastUpAt, workspaceFolder: ws.workspaceFolder, source: ws.source };
      }),
    );
    const now = new Date();
    this.log(renderTable(['name', 'state', 'driver', 'last up', 'folder', 'source'], entries.map((e) => [e.name, e.state, e.driver, e.lastUpAt ? `${formatAge(e.lastUpAt, now)} ago` : '-', e.workspaceFolder, e.source])));
    return entries;
  }
}
