import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PreevyError } from '../errors/preevy-error.js';
import type { ProcessRunner } from '../process/process-runner.js';

/** `https://…`, `ssh://…`, `git://…`, `file://…` or scp-like `user@host:path`, with an optional `#ref`. Pure. */
export const isGitUrl = (source: string): boolean => /^(https?|ssh|git|file):\/\//.test(source) || /^[\w.-]+@[\w.-]+:/.test(source);

/** The URL, the ref after `#` (default: the remote's HEAD) and the repository's name (the folder it gets). Pure. */
export const parseGitSource = (source: string): { url: string; ref: string | undefined; repo: string } => {
  const hash = source.lastIndexOf('#');
  const url = hash > 0 ? source.slice(0, hash) : source;
  const ref = hash > 0 ? source.slice(hash + 1) || undefined : undefined;
  const repo = url.replace(/\/+$/, '').split(/[/:]/).pop()!.replace(/\.git$/, '') || 'repo';
  return { url, ref, repo };
};

const gitFailed = (what: string, url: string, stderr: string): PreevyError =>
  new PreevyError(`Could not ${what} ${url}`, {
    code: 'GIT_SOURCE_FAILED',
    kind: 'unavailable',
    suggestions: ['Check the URL and the ref (URL#branch, URL#tag or URL#commit) and that this machine\'s git can read it (its credential helper or SSH key).'],
    cause: new Error(stderr.trim().split('\n').slice(-5).join('\n')),
  });

/**
 * A local checkout of a git source for the sync to send: fetched shallow into `workDir/<repo>`
 * (reused and moved to the ref by the next `up`) with this machine's git and its credentials.
 * Returns the folder.
 */
export const checkoutGitSource = async (source: string, workDir: string, run: ProcessRunner): Promise<string> => {
  const { url, ref, repo } = parseGitSource(source);
  const dir = join(workDir, repo);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const git = (...args: string[]) => run('git', ['-C', dir, ...args], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  const init = await git('init', '--quiet');
  if (init.exitCode !== 0) throw gitFailed('prepare a checkout of', url, init.stderr);
  await git('remote', 'remove', 'origin');
  const remote = await git('remote', 'add', 'origin', url);
  if (remote.exitCode !== 0) throw gitFailed('use', url, remote.stderr);
  const fetched = await git('fetch', '--quiet', '--depth', '1', 'origin', ref ?? 'HEAD');
  if (fetched.exitCode !== 0) throw gitFailed(`fetch ${ref ?? 'the default branch'} of`, url, fetched.stderr);
  const checkout = await git('checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD');
  if (checkout.exitCode !== 0) throw gitFailed('check out', url, checkout.stderr);
  // Files left from another ref go, so the sync deletes them on the host too.
  await git('clean', '--quiet', '-d', '--force', '-x');
  return dir;
};
