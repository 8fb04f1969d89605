/**
 * How the CLI starts the workspace agent's SSH server inside a workspace container
 * (`docker exec -i … node agent.mjs workspace-ssh`), defined once for both sides.
 */

/** The agent's mode that serves one SSH connection on its stdin/stdout. */
export const WORKSPACE_SSH_COMMAND = 'workspace-ssh';

/** Environment variables `workspace-ssh` reads (each also has a flag, which wins). */
export const WORKSPACE_SSH_ENV = Object.freeze({
  /** Path of the host private key file (mode 0600): the laptop pins its public half. */
  hostKeyFile: 'PREEVY_WORKSPACE_HOST_KEY_FILE',
  /** Comma-separated variable names a client may set with `SendEnv`, beyond locale and terminal ones. */
  acceptEnv: 'PREEVY_WORKSPACE_ACCEPT_ENV',
  /** A file whose mtime the server bumps on SSH activity (throttled), for idle stop. */
  activityFile: 'PREEVY_WORKSPACE_ACTIVITY_FILE',
  /** Log level of the server's stderr lines (default warn: the ProxyCommand's stderr is the user's terminal). */
  logLevel: 'PREEVY_LOG_LEVEL',
});
