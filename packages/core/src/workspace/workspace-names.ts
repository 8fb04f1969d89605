import { basename } from 'node:path';
import { MAX_ENV_ID_LENGTH, normalizeEnvId } from '@preevy/tunnel-protocol';

/** Where the workspace volume is mounted in the container; the sources are in a folder named after the workspace. */
export const WORKSPACES_MOUNT = '/workspaces';

const PREFIX = 'ws-';

export interface WorkspaceIds {
  /** What the user types: a DNS label. */
  name: string;
  /** The environment id: workspaces share env records, labels and `down` with previews, under their own prefix. */
  envId: string;
  /** The persistent volume with the sources (mounted at {@link WORKSPACES_MOUNT}). */
  volume: string;
}

/** The ids of a workspace from its name or its folder's path (the folder's name). Pure. */
export const workspaceIds = (nameOrFolder: string): WorkspaceIds => {
  const name = normalizeEnvId(nameOrFolder.includes('/') ? basename(nameOrFolder) : nameOrFolder, MAX_ENV_ID_LENGTH - PREFIX.length);
  return { name, envId: `${PREFIX}${name}`, volume: `preevy-ws-${name}` };
};

/** The workspace name of an env id, or undefined for a preview environment's. Pure. */
export const workspaceNameOf = (envId: string): string | undefined => (envId.startsWith(PREFIX) ? envId.slice(PREFIX.length) : undefined);
