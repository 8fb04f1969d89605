import { ProfileCatalog, type OpenObjectStore } from '@preevy/core';

// The S3 SDK loads only when a command actually reaches a remote profile.
const openS3: OpenObjectStore = async (location) => {
  // The SDK warns on every run about its future Node.js policy; preevy's stderr carries only what the user can act on now.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3ObjectStore } = await import('./s3-object-store.js');
  return new S3ObjectStore({ location });
};

/** The profiles this machine can name: local ones, links, and `s3://` URLs. */
export const profileCatalog = (env: NodeJS.ProcessEnv = process.env): ProfileCatalog => new ProfileCatalog({ openObjects: openS3, env });
