import { Flags } from '@oclif/core';

/** What `workspace up` and `workspace start` need to build the runtime and reach a remote host. */
export const workspaceImageFlags = {
  'agent-base-image': Flags.string({ description: 'Node.js 20+ image the workspace runtime is built from.', env: 'PREEVY_AGENT_BASE_IMAGE' }),
  'sync-image': Flags.string({ description: 'Image (with sh and tar) that copies the sources into the workspace volume.', env: 'PREEVY_SYNC_IMAGE' }),
  'load-image': Flags.string({ description: 'On a host that does not see local files (kube-pod, a remote engine): also send this local image there (repeatable), e.g. the Dockerfile\'s base image.', multiple: true }),
};

/** The request fields of {@link workspaceImageFlags}. */
export const workspaceImageRequest = (f: { 'agent-base-image'?: string | undefined; 'sync-image'?: string | undefined; 'load-image'?: string[] | undefined }) => ({
  runtimeBaseImage: f['agent-base-image'],
  syncImage: f['sync-image'],
  loadImages: f['load-image'],
});
