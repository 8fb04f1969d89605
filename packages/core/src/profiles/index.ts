export { syncDirectory, writeFileAtomic } from './atomic-write.js';
export type { AtomicWriteFs, AtomicWriteOptions } from './atomic-write.js';
export { coerceOptionValue, parseDriverOptionAssignments } from './driver-options.js';
export { DEFAULT_DRIVER, DEFAULT_PROFILE_NAME, LocalProfileStore } from './local-profile-store.js';
export type { LocalProfileStoreOptions } from './local-profile-store.js';
export { CurrentProfilePointer } from './current-profile-pointer.js';
export type { CurrentProfilePointerOptions } from './current-profile-pointer.js';
export { nextEnvRecord, validEnvId } from './env-record-store.js';
export type { EnvRecordInput, EnvRecordStore, EnvRecordUpdater } from './env-record-store.js';
export { LocalEnvRecordStore } from './local-env-record-store.js';
export type { LocalEnvRecordStoreOptions } from './local-env-record-store.js';
export type { ProfileStoreFs } from './store-files.js';
export { parseProfileExport, PROFILE_EXPORT_FORMAT_VERSION, profileExportSchema, serializeProfileExport, validateProfileExport } from './profile-export.js';
export type { ProfileExport } from './profile-export.js';
export { importProfileFromEnv, PROFILE_FILE_ENV } from './profile-from-env.js';
export type { ProfileFromEnvOptions } from './profile-from-env.js';
export { properLock, withLock } from './profile-lock.js';
export type { LockFn } from './profile-lock.js';
export { isProfileName, validateProfileName } from './profile-name.js';
export { ENV_STATUSES, envRecordSchema, profileConfigSchema, tunnelHostKeySchema } from './profile-schema.js';
export type { DriverOptions, DriverOptionValue, EnvHost, EnvRecord, EnvStatus, EnvUrl, ProfileConfig, WorkspaceRecord } from './profile-schema.js';
export type {
  CreateProfileInput,
  ImportProfileOptions,
  PinTunnelHostKeyResult,
  Profile,
  ProfileListEntry,
  ProfileStore,
  ProfileUpdate,
  RemoveProfileResult,
} from './profile-store.js';
export { resolveOptions } from './resolve-options.js';
export { canonicalTunnelHostKey, parseTunnelHostKey, tunnelHostKeyChanged, tunnelHostKeyFingerprint, tunnelHostKeyMatches } from './tunnel-host-key.js';
export { canonicalOpenSshText, decodeOpenSshEd25519, encodeOpenSshEd25519, generateTunnelKeyPair, parseEd25519PublicKeyLine, tunnelKeyPairFromPrivate } from './tunnel-key.js';
export type { TunnelKeyPair } from './tunnel-key.js';
export { CONFLICT, DEFAULT_RETRY, retryOnConflict } from './object-store.js';
export type { ObjectStore, PutOptions, RetryPolicy, StoredObject } from './object-store.js';
export { MemoryObjectStore } from './memory-object-store.js';
export { ObjectStoreProfileStore, PROFILE_OBJECT } from './object-store-profile-store.js';
export type { ObjectStoreProfileStoreOptions } from './object-store-profile-store.js';
export { envRecordKey, ObjectStoreEnvRecordStore } from './object-store-env-record-store.js';
export type { ObjectStoreEnvRecordStoreOptions } from './object-store-env-record-store.js';
export { ProfileCatalog } from './profile-catalog.js';
export type { CatalogRemoveResult, OpenedProfile, OpenObjectStore, ProfileCatalogOptions } from './profile-catalog.js';
export { ProfileLinks } from './profile-links.js';
export type { ProfileLink, ProfileLinksOptions } from './profile-links.js';
export { isProfileStoreUrl, parseProfileStoreUrl } from './profile-store-url.js';
export type { S3ProfileLocation } from './profile-store-url.js';
