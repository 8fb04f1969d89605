import { readFileSync, statSync, type Stats } from 'node:fs';
import ssh2, { type ParsedKey } from 'ssh2';
import { loadAgentKey } from '../agent-key.js';
import { AgentError, describeError } from '../errors.js';

export interface HostKeyFileIo {
  stat: (path: string) => Pick<Stats, 'mode' | 'isFile'>;
  readFile: (path: string) => Buffer;
}

const realIo: HostKeyFileIo = { stat: (path) => statSync(path), readFile: (path) => readFileSync(path) };

/**
 * The workspace SSH server's host key, read from `path`. Refuses a file that group or others
 * may read: the laptop pins this key, so a copy readable by other users of the container could
 * impersonate the workspace.
 */
export const readHostKeyFile = (path: string, io: HostKeyFileIo = realIo): Buffer => {
  let stats;
  try {
    stats = io.stat(path);
  } catch (err) {
    throw new AgentError(`cannot read the workspace host key file ${path}: ${describeError(err)}`, {
      code: 'WORKSPACE_HOST_KEY_MISSING',
      suggestions: ['Pass the host key file the launcher wrote: `workspace-ssh --host-key FILE` or PREEVY_WORKSPACE_HOST_KEY_FILE.'],
      cause: err,
    });
  }
  if (!stats.isFile()) {
    throw new AgentError(`the workspace host key path ${path} is not a regular file`, {
      code: 'WORKSPACE_HOST_KEY_MISSING',
      suggestions: ['Point --host-key at the private key file itself.'],
    });
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new AgentError(`the workspace host key file ${path} is readable or writable by group or others (mode ${(stats.mode & 0o777).toString(8)}): refusing to use it`, {
      code: 'WORKSPACE_HOST_KEY_PERMISSIONS',
      suggestions: [`Restrict it to its owner: \`chmod 600 ${path}\`.`],
    });
  }
  try {
    return loadAgentKey(io.readFile(path), path);
  } catch (err) {
    throw new AgentError(`the workspace host key file ${path} does not hold a usable private key: ${describeError(err)}`, {
      code: 'WORKSPACE_HOST_KEY_INVALID',
      suggestions: ['Give an unencrypted OpenSSH or PEM private key (e.g. `ssh-keygen -t ed25519 -N "" -f FILE`).'],
      cause: err,
    });
  }
};

/** The OpenSSH public key line (`type base64`) of a host private key, as a known_hosts entry wants it. */
export const hostPublicKeyLine = (privateKey: Buffer | string): string => {
  const key: ParsedKey | Error = ssh2.utils.parseKey(privateKey);
  if (key instanceof Error) throw new TypeError(`not a private key: ${key.message}`);
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
};
