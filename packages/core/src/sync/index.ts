export { bindSources, DEFAULT_SYNC_IMAGE, isLocalEngine, rewriteBindMounts, syncBindMounts, syncDirOf, syncVolumeName } from './sync-bind-mounts.js';
export type { SyncCounts, SyncRequest, SyncResult } from './sync-bind-mounts.js';
export { diffManifests, formatManifest, localManifest, parseManifest } from './manifest.js';
export type { Manifest, ManifestDiff, ManifestEntry } from './manifest.js';
