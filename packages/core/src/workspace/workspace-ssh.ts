import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PreevyError } from '../errors/preevy-error.js';
import type { EnvRecord, WorkspaceRecord } from '../profiles/profile-schema.js';
import { agentCommand } from './workspace-runtime.js';
import { HOST_KEY_PATH } from './workspace-up.js';
import { WORKSPACES_MOUNT } from './workspace-names.js';
import { ACTIVITY_FILE } from './workspace-ports.js';

/** The SSH host alias of a workspace in ssh_config and known_hosts. Pure. */
export const sshHostAlias = (name: string, profile: string): string => (profile === 'default' ? `${name}.preevy` : `${name}.${profile}.preevy`);

/** The record's workspace part, or WORKSPACE_NOT_FOUND with what to do. */
export const workspaceOf = (record: EnvRecord | undefined, name: string): WorkspaceRecord & { record: EnvRecord } => {
  if (record?.workspace && record.status !== 'deleting') return { ...record.workspace, record };
  throw new PreevyError(`No workspace named ${name} in this profile`, {
    code: 'WORKSPACE_NOT_FOUND',
    kind: 'not-found',
    suggestions: ['`preevy workspace ls` lists them; `preevy workspace up PATH --name NAME` makes one.'],
  });
};

/**
 * The `docker exec` arguments that serve one SSH connection on stdio from the agent in the
 * workspace container, as its remote user in its folder, the bundle checked against `bundle`
 * (this CLI's own) before it runs. No port is opened anywhere.
 */
export const stdioExecArgs = async (ws: WorkspaceRecord, bundle: string): Promise<string[]> => {
  const agentSha256 = createHash('sha256').update(await readFile(bundle)).digest('hex');
  return [
    'exec', '-i', '-u', ws.remoteUser, '-w', ws.workspaceFolder, ws.containerId,
    ...agentCommand({ dir: ws.runtimeDir, agentSha256 }, ['workspace-ssh', '--host-key', HOST_KEY_PATH, '--activity-file', `${WORKSPACES_MOUNT}/${ACTIVITY_FILE}`]),
  ];
};

/** An OpenSSH `Host` block that reaches the workspace through `proxyCommand` and trusts only its pinned key. Pure. */
export const sshConfigBlock = ({ alias, user, proxyCommand, knownHostsFile }: { alias: string; user: string; proxyCommand: string; knownHostsFile: string }): string =>
  [
    `Host ${alias}`,
    `  HostName ${alias}`,
    `  User ${user}`,
    `  ProxyCommand ${proxyCommand}`,
    `  UserKnownHostsFile "${knownHostsFile}"`,
    '  StrictHostKeyChecking yes',
    `  HostKeyAlias ${alias}`,
    // The transport (docker exec through the driver) is the authentication: the agent accepts `none`.
    '  PasswordAuthentication no',
    '',
  ].join('\n');

/** The known_hosts line of a workspace. Pure. */
export const knownHostsLine = (alias: string, hostKey: string): string => `${alias} ${hostKey}\n`;

/** One shell word for ssh_config (double quotes, as OpenSSH splits ProxyCommand with sh). Pure. */
export const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
