import { describe, expect, it } from 'vitest';
import { type ProcessResult, type ProcessRunner, ProcessStartError } from '../process/index.js';
import { gitRefReader } from './git-ref.js';

const runner =
  (replies: Record<string, ProcessResult | Error>): ProcessRunner =>
  async (_cmd, args) => {
    const r = replies[args.join(' ')];
    if (r === undefined) throw new Error(`unexpected git ${args.join(' ')}`);
    if (r instanceof Error) throw r;
    return r;
  };
const out = (stdout: string): ProcessResult => ({ exitCode: 0, stdout, stderr: '' });

describe('gitRefReader', () => {
  it('should read the current branch', async () => {
    expect(await gitRefReader({ runner: runner({ 'rev-parse --abbrev-ref HEAD': out('feat/x\n') }), cwd: '/r' })()).toEqual({ kind: 'branch', branch: 'feat/x' });
  });

  it('should read the short commit on a detached HEAD', async () => {
    const r = runner({ 'rev-parse --abbrev-ref HEAD': out('HEAD\n'), 'rev-parse --short HEAD': out('a1b2c3d\n') });
    expect(await gitRefReader({ runner: r, cwd: '/r' })()).toEqual({ kind: 'commit', commit: 'a1b2c3d' });
  });

  it('should give nothing outside a repository or without git', async () => {
    const notRepo = runner({ 'rev-parse --abbrev-ref HEAD': { exitCode: 128, stdout: '', stderr: 'fatal: not a git repository' } });
    expect(await gitRefReader({ runner: notRepo, cwd: '/r' })()).toBeUndefined();
    const noGit = runner({ 'rev-parse --abbrev-ref HEAD': new ProcessStartError('git', Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' })) });
    expect(await gitRefReader({ runner: noGit, cwd: '/r' })()).toBeUndefined();
  });
});
