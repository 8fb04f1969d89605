import { fileURLToPath } from 'node:url';

/**
 * The self-contained workspace agent folder staged by `npm run bundle -w @preevy/agent`:
 * `agent.mjs` plus `node_modules/@lydell/node-pty*` (native, not bundled). Copied into a
 * workspace container, it runs with only `node`: `node DIR/agent.mjs workspace-ssh …`.
 * (Resolved from src/workspace/ and from dist/workspace/ alike.)
 */
export const workspaceAgentDir = (): string => fileURLToPath(new URL('../../dist/workspace-agent/', import.meta.url));
