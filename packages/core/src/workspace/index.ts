export { devcontainerSchema, loadDevcontainerConfig, parseDevcontainerJson } from './devcontainer-config.js';
export type { DevcontainerConfig, DevcontainerJson } from './devcontainer-config.js';
export { devcontainerCliPath } from './devcontainer-cli.js';
export { agentCommand, ensureWorkspaceRuntime, RUNTIME_MOUNT, RUNTIME_VOLUME } from './workspace-runtime.js';
export type { WorkspaceRuntime } from './workspace-runtime.js';
export { WORKSPACES_MOUNT, workspaceIds, workspaceNameOf } from './workspace-names.js';
export type { WorkspaceIds } from './workspace-names.js';
export { HOST_KEY_PATH, workspaceUp } from './workspace-up.js';
export type { WorkspaceUpDeps, WorkspaceUpRequest, WorkspaceUpResult } from './workspace-up.js';
