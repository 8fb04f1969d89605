import { Flags } from '@oclif/core';
import { parseAge } from './ui/age.js';

/** What `workspace up` and `workspace start` need to build the runtime and reach a remote host. */
export const workspaceImageFlags = {
  'agent-base-image': Flags.string({ description: 'Node.js 20+ image the workspace runtime is built from.', env: 'PREEVY_AGENT_BASE_IMAGE' }),
  'sync-image': Flags.string({ description: 'Image (with sh and tar) that copies the sources into the workspace volume.', env: 'PREEVY_SYNC_IMAGE' }),
  'cache-from': Flags.string({ description: 'An image (in a registry the host can reach) whose layers the devcontainer build may reuse (repeatable; the seed\'s buildRepository).', multiple: true }),
  'load-image': Flags.string({ description: 'On a host that does not see local files (kube-pod, a remote engine): also send this local image there (repeatable), e.g. the Dockerfile\'s base image.', multiple: true }),
};

/** The idle policy of `workspace up` and `start`; kept in the record, so given once. */
export const workspaceIdleFlags = {
  'container-inactivity-timeout': Flags.string({
    description: 'Stop the container after this long with no SSH session and no visitor on its URLs (90s, 30m, 2h; `off` to stop watching). Default: as the last up set it, else off.',
  }),
};

/** The request fields of {@link workspaceImageFlags} and {@link workspaceIdleFlags}. */
export const workspaceImageRequest = (f: {
  'agent-base-image'?: string | undefined;
  'sync-image'?: string | undefined;
  'load-image'?: string[] | undefined;
  'cache-from'?: string[] | undefined;
  'container-inactivity-timeout'?: string | undefined;
}) => {
  const idle = f['container-inactivity-timeout'];
  return {
    runtimeBaseImage: f['agent-base-image'],
    syncImage: f['sync-image'],
    loadImages: f['load-image'],
    cacheFrom: f['cache-from'],
    idleTimeoutSeconds: idle === undefined ? undefined : idle === 'off' ? 0 : Math.round(parseAge(idle, '--container-inactivity-timeout') / 1_000),
  };
};
