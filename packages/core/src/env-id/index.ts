export { ciRefFromEnv } from './ci-context.js';
export type { CiProvider, CiRef, ReadTextFile } from './ci-context.js';
export { gitRefReader } from './git-ref.js';
export type { GitRef, GitRefReader } from './git-ref.js';
export { describeEnvIdSource, resolveEnvId } from './resolve-env-id.js';
export type { EnvIdResult, EnvIdSource, ResolveEnvIdInput } from './resolve-env-id.js';
export { projectEnvId } from './project-env-id.js';
export type { ProjectEnvIdDeps } from './project-env-id.js';
