import { renameSync, writeFileSync } from 'node:fs';
import type { AgentState } from './state-server.js';

/**
 * Writes the state where a CLI copies it from (`AGENT_STATE_FILE`): whole, by rename, so a reader
 * never sees half a file. Synchronous: the file is small and the order of writes must hold.
 */
export const writeStateFile = (path: string, state: AgentState): void => {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
};
