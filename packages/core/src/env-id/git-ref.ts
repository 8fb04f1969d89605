import { type ProcessRunner, ProcessStartError } from '../process/index.js';

/** The checked-out branch, or the commit when HEAD is detached. */
export type GitRef = { kind: 'branch'; branch: string } | { kind: 'commit'; commit: string };

/** Reads the local git ref; `undefined` outside a repository, before the first commit, or without git. */
export type GitRefReader = () => Promise<GitRef | undefined>;

/** A `GitRefReader` that asks the `git` CLI in `cwd`. */
export const gitRefReader =
  ({ runner, cwd, env = process.env, git = 'git' }: { runner: ProcessRunner; cwd: string; env?: NodeJS.ProcessEnv; git?: string }): GitRefReader =>
  async () => {
    const run = async (args: string[]) => {
      try {
        const r = await runner(git, args, { cwd, env });
        return r.exitCode === 0 ? r.stdout.trim() : undefined;
      } catch (err) {
        // git not installed: the caller asks for --id instead.
        if (err instanceof ProcessStartError) return undefined;
        throw err;
      }
    };
    const branch = await run(['rev-parse', '--abbrev-ref', 'HEAD']);
    if (branch === undefined || branch === '') return undefined;
    if (branch !== 'HEAD') return { kind: 'branch', branch };
    const commit = await run(['rev-parse', '--short', 'HEAD']);
    return commit ? { kind: 'commit', commit } : undefined;
  };
