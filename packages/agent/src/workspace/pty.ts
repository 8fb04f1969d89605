import type * as NodePty from '@lydell/node-pty';
import type { IPty } from '@lydell/node-pty';
import { AgentError, describeError } from '../errors.js';

export type { IPty };

export interface PtySpawnOptions {
  file: string;
  args: string[];
  term: string;
  cols: number;
  rows: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export type PtySpawner = (options: PtySpawnOptions) => IPty;

/**
 * node-pty, loaded on the first PTY request only: it is a native module staged next to the
 * bundle, and a session without a terminal (exec, sftp, forwards) must never need it.
 */
export const loadPtySpawner = async (): Promise<PtySpawner> => {
  let mod: typeof NodePty;
  try {
    // A CommonJS module: Node gives its exports as `default` (named exports only where it can detect them).
    const imported = (await import('@lydell/node-pty')) as typeof NodePty & { default?: typeof NodePty };
    mod = imported.default ?? imported;
  } catch (err) {
    throw new AgentError(`cannot load the terminal support (@lydell/node-pty): ${describeError(err)}`, {
      code: 'WORKSPACE_PTY_UNAVAILABLE',
      suggestions: [
        'Run the agent from its workspace folder, which holds node_modules/@lydell/node-pty next to agent.mjs (`npm run bundle -w @preevy/agent` stages it in packages/agent/dist/workspace-agent).',
        'Commands without a terminal still work: `ssh -T HOST -- CMD`.',
      ],
      cause: err,
    });
  }
  return ({ file, args, term, cols, rows, cwd, env }) => 
    // encoding null: output as raw Buffers, so a split UTF-8 sequence or binary output is not mangled.
    mod.spawn(file, args, { name: term, cols, rows, cwd, env, encoding: null });
};
