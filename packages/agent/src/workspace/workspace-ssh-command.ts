import { closeSync, openSync, utimesSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { WORKSPACE_SSH_COMMAND, WORKSPACE_SSH_ENV } from '@preevy/tunnel-protocol';
import { LOG_LEVELS, type AgentLogLevel } from '../config.js';
import { AgentError, describeError } from '../errors.js';
import type { AgentLogger } from '../logger.js';
import { readHostKeyFile } from './host-key-file.js';
import { serveSsh, type ServeSshOptions } from './serve-ssh.js';

export const WORKSPACE_SSH_USAGE = `Usage: preevy-agent ${WORKSPACE_SSH_COMMAND} --host-key FILE [--accept-env NAMES] [--activity-file FILE] [--shell PATH]
  Serves one SSH connection on stdin/stdout (the transport, e.g. docker exec, is the authentication).
  --host-key FILE       host private key, mode 0600 (or ${WORKSPACE_SSH_ENV.hostKeyFile})
  --accept-env NAMES    comma-separated names a client may set, beyond LANG, LC_*, TERM (or ${WORKSPACE_SSH_ENV.acceptEnv})
  --activity-file FILE  bump this file's mtime on SSH activity, for idle stop (or ${WORKSPACE_SSH_ENV.activityFile})
  --shell PATH          shell for sessions (default: the user's login shell, else /bin/sh)
`;

export interface WorkspaceSshIo {
  env: NodeJS.ProcessEnv;
  stderr: (text: string) => void;
  /** The stream to serve: stdin/stdout in the agent. */
  openStdio: () => Duplex;
  /** Logs to stderr only: stdout carries SSH. */
  createLogger: (level: AgentLogLevel) => AgentLogger;
  waitForSignal: () => Promise<string>;
  readHostKey?: (path: string) => Buffer;
  /** Extra server options (tests inject a PTY loader, shell, passwd). */
  serveOverrides?: Partial<ServeSshOptions>;
}

export type WorkspaceSshResult = { ok: true } | { ok: false; usage: boolean; message: string; error?: AgentError };

const usageError = (message: string): WorkspaceSshResult => ({ ok: false, usage: true, message });

/** Touches `path` (creating it), so its mtime says when the workspace was last used over SSH. */
export const touchActivityFile = (path: string, now: Date = new Date()): void => {
  try {
    utimesSync(path, now, now);
  } catch {
    closeSync(openSync(path, 'a', 0o644));
    utimesSync(path, now, now);
  }
};

/** `preevy-agent workspace-ssh`: serves until the client disconnects or a signal arrives. */
export const runWorkspaceSsh = async (argv: readonly string[], io: WorkspaceSshIo): Promise<WorkspaceSshResult> => {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { 'host-key': { type: 'string' }, 'accept-env': { type: 'string' }, 'activity-file': { type: 'string' }, shell: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usageError(describeError(err));
  }
  const hostKeyPath = values['host-key'] ?? io.env[WORKSPACE_SSH_ENV.hostKeyFile];
  if (!hostKeyPath) return usageError(`the host key file is required: --host-key FILE or ${WORKSPACE_SSH_ENV.hostKeyFile}`);
  const rawLevel = io.env[WORKSPACE_SSH_ENV.logLevel]?.trim().toLowerCase() || 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(rawLevel)) return usageError(`${WORKSPACE_SSH_ENV.logLevel} must be one of ${LOG_LEVELS.join(', ')}`);

  let hostKey: Buffer;
  try {
    hostKey = (io.readHostKey ?? readHostKeyFile)(hostKeyPath);
  } catch (err) {
    if (err instanceof AgentError) return { ok: false, usage: false, message: err.message, error: err };
    throw err;
  }
  const log = io.createLogger(rawLevel as AgentLogLevel);
  const acceptEnv = (values['accept-env'] ?? io.env[WORKSPACE_SSH_ENV.acceptEnv] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const activityFile = values['activity-file'] ?? io.env[WORKSPACE_SSH_ENV.activityFile];
  const onActivity = activityFile
    ? () => {
        try {
          touchActivityFile(activityFile);
        } catch (err) {
          log.warn({ file: activityFile, err: describeError(err) }, 'cannot record activity');
        }
      }
    : undefined;

  const options: ServeSshOptions = { hostKey, acceptEnv, logger: log };
  if (onActivity) options.onActivity = onActivity;
  if (values.shell) options.shell = values.shell;
  const connection = serveSsh(io.openStdio(), { ...options, ...io.serveOverrides });
  const signalled = io.waitForSignal().then((signal) => {
    log.info({ signal }, 'stopping: hanging up the sessions');
    connection.close();
  });
  await connection.done;
  void signalled;
  return { ok: true };
};
