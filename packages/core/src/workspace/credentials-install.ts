import { createHash } from 'node:crypto';
import { CREDENTIAL_HELPER_NAME, DOCKER_CREDENTIAL_COMMAND, formatGitCredentialAttributes, GIT_CREDENTIAL_COMMAND } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/preevy-error.js';
import { packArchive } from '../sync/pack-archive.js';
import type { DockerCli } from '../up/agent-state-reader.js';
import { agentCommand, type WorkspaceRuntime } from './workspace-runtime.js';

/** What `workspace up` sets up in the container for credentials (secrets only in `gitToken`). */
export interface WorkspaceCredentialsSetup {
  /** git's credential helper (asks the laptop during `workspace ssh`; else the token below). */
  git: boolean;
  /** For a workspace with no laptop (CI): a short-lived token the helper answers with for `host`. */
  gitToken?: { token: string; host: string; username: string } | undefined;
  /** docker's credential helper for these registries (the laptop's, names only). */
  dockerRegistries?: readonly string[] | undefined;
}

/** Where the helpers go: on PATH, where git (`credential.helper = preevy`) and docker (`credHelpers`) look. */
export const HELPER_DIR = '/usr/local/bin';
/** The CI token: in the container (not the volume), 0600, owned by the remote user. */
export const GIT_TOKEN_FILE = '/var/lib/preevy-workspace/git-token';
/** git's system config: read by every user's git, before their own helpers. One line, so it can be removed as one. */
export const GIT_SYSTEM_CONFIG = '/etc/gitconfig';
export const GIT_HELPER_LINE = `[credential] helper = ${CREDENTIAL_HELPER_NAME}`;

/** A hash of what the last successful setup installed (not secret: a token enters it only hashed); equal means nothing to do. */
export const CREDENTIALS_STATE_FILE = '/var/lib/preevy-credentials.state';

/**
 * The state a setup leaves in the container: the helper scripts (so a new runtime counts), the
 * user, the registries and the token's hash. Pure.
 */
export const credentialsState = (runtime: WorkspaceRuntime, user: string, setup: WorkspaceCredentialsSetup): string => {
  const token = setup.git && setup.gitToken ? createHash('sha256').update(JSON.stringify(setup.gitToken)).digest('hex') : '';
  const state = { v: 1, user, git: setup.git, token, registries: [...(setup.dockerRegistries ?? [])].sort(), scripts: helperScripts(runtime, setup) };
  return createHash('sha256').update(JSON.stringify(state)).digest('hex');
};

const helperScripts = (runtime: WorkspaceRuntime, setup: WorkspaceCredentialsSetup): { name: string; text: string }[] => [
  ...(setup.git ? [{ name: `git-credential-${CREDENTIAL_HELPER_NAME}`, text: helperScript(runtime, GIT_CREDENTIAL_COMMAND, ['--token-file', GIT_TOKEN_FILE]) }] : []),
  ...(setup.dockerRegistries?.length ? [{ name: `docker-credential-${CREDENTIAL_HELPER_NAME}`, text: helperScript(runtime, DOCKER_CREDENTIAL_COMMAND) }] : []),
];

/** Exit code of the prepare step when the container already has this state. */
const UNCHANGED = 42;

/** One word for sh. Pure. */
const sq = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

/** The helper script: the runtime's agent (checksum first) in one of its credential modes. Pure. */
export const helperScript = (runtime: WorkspaceRuntime, mode: string, extra: readonly string[] = []): string =>
  ['#!/bin/sh', `# preevy workspace: ${mode} helper, written by \`preevy workspace up\``, `exec ${[...agentCommand(runtime, [mode, ...extra])].map(sq).join(' ')} "$@"`, ''].join('\n');

/** The user's docker config with our helper for exactly `registries` (earlier ones of ours dropped); undefined when unchanged. Pure. */
export const mergeDockerConfig = (text: string | undefined, registries: readonly string[]): string | undefined => {
  let config: Record<string, unknown> = {};
  if (text?.trim()) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
      config = parsed as Record<string, unknown>;
    } catch {
      return undefined; // not ours to repair
    }
  }
  const helpers = Object.fromEntries(Object.entries((config.credHelpers ?? {}) as Record<string, string>).filter(([, v]) => v !== CREDENTIAL_HELPER_NAME));
  for (const r of registries) helpers[r] ??= CREDENTIAL_HELPER_NAME;
  const before = JSON.stringify(config.credHelpers ?? {});
  const next: Record<string, unknown> = { ...config, credHelpers: helpers };
  if (!Object.keys(helpers).length) delete next.credHelpers;
  if (JSON.stringify(next.credHelpers ?? {}) === before) return undefined;
  return `${JSON.stringify(next, null, 2)}\n`;
};

const failed = (what: string, stderr: string) =>
  new PreevyError(`Could not set up the workspace's credential helpers: ${what}`, {
    code: 'WORKSPACE_CREDENTIALS_FAILED',
    kind: 'unavailable',
    suggestions: ['Run `preevy workspace up` again with --debug; --no-inject-git-credentials and --no-inject-docker-credentials skip this step.'],
    cause: new Error(stderr.trim().split('\n').slice(-5).join('\n')),
  });

/**
 * Sets up (or removes, when off) git's and docker's credential helpers in the workspace container,
 * and places or removes the CI token: through `docker cp` and `chown`, never in an argument, an
 * environment variable, a label or a log line.
 */
export const installWorkspaceCredentials = async (docker: DockerCli, container: string, user: string, runtime: WorkspaceRuntime, setup: WorkspaceCredentialsSetup): Promise<'installed' | 'unchanged'> => {
  const tokenDir = GIT_TOKEN_FILE.slice(0, GIT_TOKEN_FILE.lastIndexOf('/'));
  const registries = setup.dockerRegistries ?? [];
  const scripts = helperScripts(runtime, setup);
  const state = credentialsState(runtime, user, setup);
  // Not secret: the gitconfig line, old helpers and an old token removed, folders made. The state
  // goes first, so a setup that fails half-way is done again in full by the next up.
  const prepare = [
    `[ "$(cat ${CREDENTIALS_STATE_FILE} 2>/dev/null)" = ${state} ] && exit ${UNCHANGED}`,
    'set -e',
    `rm -f ${CREDENTIALS_STATE_FILE}`,
    `mkdir -p ${HELPER_DIR} ${tokenDir}`,
    `rm -f ${GIT_TOKEN_FILE}`,
    `touch ${GIT_SYSTEM_CONFIG}`,
    `grep -vxF ${sq(GIT_HELPER_LINE)} ${GIT_SYSTEM_CONFIG} > ${GIT_SYSTEM_CONFIG}.preevy || true`,
    ...(setup.git ? [`echo ${sq(GIT_HELPER_LINE)} >> ${GIT_SYSTEM_CONFIG}.preevy`] : [`rm -f ${HELPER_DIR}/git-credential-${CREDENTIAL_HELPER_NAME}`]),
    `cat ${GIT_SYSTEM_CONFIG}.preevy > ${GIT_SYSTEM_CONFIG}; rm -f ${GIT_SYSTEM_CONFIG}.preevy`,
    ...(registries.length ? [] : [`rm -f ${HELPER_DIR}/docker-credential-${CREDENTIAL_HELPER_NAME}`]),
  ].join('\n');
  const prepared = await docker(['exec', '-u', 'root', container, 'sh', '-c', prepare]);
  if (prepared.exitCode === UNCHANGED) return 'unchanged';
  if (prepared.exitCode !== 0) throw failed('preparing the container', prepared.stderr);
  if (scripts.length) {
    const archive = packArchive(scripts.map((s) => ({ type: 'content' as const, name: s.name, content: s.text, mode: 0o755, mtime: new Date() })));
    const copied = await docker(['cp', '-', `${container}:${HELPER_DIR}`], { input: archive });
    if (copied.exitCode !== 0) throw failed(`copying the helpers into ${HELPER_DIR}`, copied.stderr);
  }
  if (setup.git && setup.gitToken) {
    const { token, host, username } = setup.gitToken;
    const content = formatGitCredentialAttributes({ protocol: 'https', host, username, password: token });
    const archive = packArchive([{ type: 'content', name: GIT_TOKEN_FILE.slice(tokenDir.length + 1), content, mode: 0o600, mtime: new Date() }]);
    const copied = await docker(['cp', '-', `${container}:${tokenDir}`], { input: archive });
    if (copied.exitCode !== 0) throw failed('placing the git token', copied.stderr);
    const owned = await docker(['exec', '-u', 'root', container, 'chown', `${user}:`, GIT_TOKEN_FILE]);
    if (owned.exitCode !== 0) throw failed('handing the git token to the remote user', owned.stderr);
  }
  await updateDockerConfig(docker, container, user, registries);
  const recorded = await docker(['exec', '-u', 'root', container, 'sh', '-c', `echo ${state} > ${CREDENTIALS_STATE_FILE}`]);
  if (recorded.exitCode !== 0) throw failed('recording what was set up', recorded.stderr);
  return 'installed';
};

/** The remote user's ~/.docker/config.json names our helper for the registries (0600, theirs); left alone when unchanged. */
const updateDockerConfig = async (docker: DockerCli, container: string, user: string, registries: readonly string[]): Promise<void> => {
  const read = await docker(['exec', '-u', user, container, 'sh', '-c', 'printf "%s\\n" "$HOME"; cat "$HOME/.docker/config.json" 2>/dev/null || true']);
  if (read.exitCode !== 0) throw failed("reading the remote user's docker config", read.stderr);
  const nl = read.stdout.indexOf('\n');
  const home = read.stdout.slice(0, nl);
  const next = mergeDockerConfig(read.stdout.slice(nl + 1), registries);
  if (next === undefined || !home.startsWith('/')) return;
  const dir = `${home}/.docker`;
  const made = await docker(['exec', '-u', user, container, 'mkdir', '-p', dir]);
  if (made.exitCode !== 0) throw failed(`making ${dir}`, made.stderr);
  const copied = await docker(['cp', '-', `${container}:${dir}`], { input: packArchive([{ type: 'content', name: 'config.json', content: next, mode: 0o600, mtime: new Date() }]) });
  if (copied.exitCode !== 0) throw failed(`writing ${dir}/config.json`, copied.stderr);
  const owned = await docker(['exec', '-u', 'root', container, 'chown', `${user}:`, `${dir}/config.json`]);
  if (owned.exitCode !== 0) throw failed(`handing ${dir}/config.json to the remote user`, owned.stderr);
};
