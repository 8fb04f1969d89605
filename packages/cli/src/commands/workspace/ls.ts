import { workspaceNameOf, workspaceStatus, type WorkspaceStatus } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { resolveProfile } from '../../environment-context.js';
import { formatAge } from '../../ui/age.js';
import { renderTable } from '../../ui/render-table.js';
import { openWorkspace } from '../../workspace-context.js';

/** A timeout as it was given: 2h, 30m, 90s. */
const formatSeconds = (s: number): string => (s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

export interface WorkspaceEntry {
  name: string;
  driver: string;
  /** The container's state as its host reports it (`running`, `exited`, …), or why it could not be read. */
  state: string;
  idleStop?: WorkspaceStatus['idleStop'];
  lastUpAt?: string | undefined;
  workspaceFolder: string;
  source: string;
  /** The tunnel URLs of its ports as its last `up` recorded them (private: `preevy urls --id ws-NAME --include-access-credentials`). */
  urls: { service: string; port: number; url: string }[];
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
        const status = await (async (): Promise<WorkspaceStatus> => {
          const { conn } = await openWorkspace(store, profile, driver, ws.name);
          await using _ = conn;
          return await workspaceStatus(ws, conn); // awaited here: the connection closes when this function returns
        })().catch((err: unknown): WorkspaceStatus =>
          // kube-pod: the agent scaled the host to zero after the idle stop; the volume is kept.
          (err as { code?: unknown }).code === 'HOST_STOPPED' ? { state: 'stopped (host scaled to zero)' } : { state: `unreachable (${(err as Error).message})` },
        );
        return { name: ws.name, driver: r.driver, ...status, lastUpAt: r.lastUpAt, workspaceFolder: ws.workspaceFolder, source: ws.source, urls: (r.urls ?? []).map((u) => ({ service: u.service, port: u.port, url: u.url })) };
      }),
    );
    const now = new Date();
    const idle = (e: WorkspaceEntry): string => {
      const s = e.idleStop;
      if (!s) return '-';
      const policy = `after ${formatSeconds(s.timeoutSeconds)}`;
      if (s.stoppedAt) return `${policy}; stopped idle ${formatAge(s.stoppedAt, now)} ago`;
      return `${policy}; active ${formatAge(s.lastActivityAt, now)} ago`;
    };
    this.log(renderTable(['name', 'state', 'driver', 'last up', 'idle stop', 'folder', 'source'], entries.map((e) => [e.name, e.state, e.driver, e.lastUpAt ? `${formatAge(e.lastUpAt, now)} ago` : '-', idle(e), e.workspaceFolder, e.source])));
    const urls = entries.flatMap((e) => e.urls.map((u) => [e.name, u.service, String(u.port), u.url]));
    if (urls.length) this.log(`\n${renderTable(['workspace', 'service', 'port', 'url'], urls)}`);
    return entries;
  }
}
