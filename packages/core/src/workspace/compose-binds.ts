import { dirname, resolve } from 'node:path';
import { loadComposeModel } from '../compose/load-compose-model.js';
import type { ComposeModel } from '../compose/compose-model.js';
import { deployedServices } from '../compose/deployed-services.js';
import type { DockerCli } from '../up/agent-state-reader.js';
import { syncToVolume, type SyncCounts } from '../sync/sync-bind-mounts.js';
import type { DevcontainerConfig } from './devcontainer-config.js';
import { WORKSPACES_MOUNT } from './workspace-names.js';

/** A bind mount of a compose devcontainer's service, as a compose `volumes` entry. */
export interface ComposeBind {
  service: string;
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * The bind mounts of the services the devcontainer starts (`runServices`, default all), except the
 * devcontainer service's binds at and below `/workspaces`, where the workspace volume is. Pure.
 */
export const composeBinds = (model: ComposeModel, devService: string, runServices?: readonly string[]): ComposeBind[] => {
  const services = deployedServices(model, runServices?.length ? [...new Set([...runServices, devService])] : undefined);
  return services.flatMap((service) =>
    model.services[service]!.volumes.filter((v) => v.type === 'bind' && v.source !== undefined)
      .filter((v) => !(service === devService && (v.target === WORKSPACES_MOUNT || v.target.startsWith(`${WORKSPACES_MOUNT}/`))))
      .map((v) => ({ service, source: v.source!, target: v.target, readOnly: v.readOnly })),
  );
};

export interface ComposeBindsSync {
  /** Per service, the binds to put in the override file: the same targets, their sources the copies on the host. */
  volumes: Record<string, { type: 'bind'; source: string; target: string; read_only: boolean }[]>;
  counts: SyncCounts & { paths: number };
}

/**
 * For a host that cannot see this machine's files: copies the bind-mount sources of a compose
 * devcontainer's services into the workspace's sync volume there (only what changed) and returns
 * the binds that point at those copies, merged by compose over the user's (same targets).
 */
export const syncComposeBinds = async (
  config: DevcontainerConfig,
  { envId, docker, labels, syncImage }: { envId: string; docker: DockerCli; labels: Readonly<Record<string, string>>; syncImage: string },
): Promise<ComposeBindsSync> => {
  const json = config.json;
  const files = [json.dockerComposeFile ?? []].flat().map((f) => resolve(dirname(config.file), f));
  const model = await loadComposeModel({ files, cwd: dirname(config.file) });
  const binds = composeBinds(model, json.service!, json.runServices);
  const sources = [...new Set(binds.map((b) => b.source))].sort();
  const synced = await syncToVolume({ sources, volume: `preevy-ws-sync-${envId}`, helperName: `preevy-sync-binds-${envId}`, docker, labels, syncImage });
  const volumes: ComposeBindsSync['volumes'] = {};
  for (const b of binds) (volumes[b.service] ??= []).push({ type: 'bind', source: synced.mapping[b.source]!, target: b.target, read_only: b.readOnly });
  return { volumes, counts: { paths: sources.length, sent: synced.sent, unchanged: synced.unchanged, deleted: synced.deleted, bytes: synced.bytes } };
};
