import { Args, Flags } from '@oclif/core';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { dockerEnv, PreevyError, shellWord, sshHostAlias, stdioExecArgs } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { commandDriver, driverFlags } from '../../drivers/driver-flags.js';
import { resolveProfile } from '../../environment-context.js';
import { openWorkspace, sshConfigFor } from '../../workspace-context.js';
import { credentialForwarding, workspaceSshCredentialFlags } from '../../workspace-credentials.js';

export default class WorkspaceSsh extends BaseCommand<typeof WorkspaceSsh> {
  static override summary = 'Open a shell in a workspace, or run a command there (after --), with OpenSSH through `workspace stdio`.';
  static override examples = ['<%= config.bin %> workspace ssh my-ws', '<%= config.bin %> workspace ssh my-ws -- make test', '<%= config.bin %> workspace ssh my-ws -L 8080:127.0.0.1:8080'];
  static override strict = false;
  static override args = { name: Args.string({ description: 'Workspace name.', required: true }) };
  static override flags = {
    'ssh-option': Flags.string({ char: 'o', multiple: true, description: 'An OpenSSH option for this session (repeatable).' }),
    L: Flags.string({ multiple: true, description: 'Forward a local port: [bind:]port:host:hostport (as ssh -L; binds 127.0.0.1 unless told).' }),
    'forward-local': Flags.boolean({ description: 'Also bind every forwarded port (forwardPorts) on 127.0.0.1 of this machine, on the same number, while the session lasts.' }),
    ...workspaceSshCredentialFlags,
    ...driverFlags,
  };

  async run(): Promise<void> {
    const { args, argv } = await this.parse(WorkspaceSsh);
    const command = (argv as string[]).slice(1);
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    // This process holds the driver's connection for the session and gives ssh the `docker exec` itself:
    // the config's ProxyCommand (`workspace stdio`, for IDEs and stock ssh) would start this CLI a second time.
    const { ws, conn } = await openWorkspace(store, profile, commandDriver(store, profile, f), args.name);
    await using _conn = conn;
    const { workspaceAgentDir } = await import('@preevy/agent');
    const proxy = ['docker', ...(await stdioExecArgs(ws, join(workspaceAgentDir(), 'agent.mjs')))].map(shellWord).join(' ');
    const { configFile } = await sshConfigFor(profile.name, [ws]);
    await using credentials = await credentialForwarding(f, this.logger);
    const sshArgs = [
      '-F', configFile,
      // Options on the command line win over the config file's; ssh expands `%` tokens in it.
      '-o', `ProxyCommand=${proxy.replaceAll('%', '%%')}`,
      ...(credentials?.sshArgs ?? []),
      ...(f['ssh-option'] ?? []).flatMap((o) => ['-o', o]),
      ...(f.L ?? []).flatMap((l) => ['-L', l.split(':').length === 3 ? `127.0.0.1:${l}` : l]),
      ...(f['forward-local'] ? ws.record.urls.flatMap((u) => ['-L', `127.0.0.1:${u.port}:127.0.0.1:${u.port}`]) : []),
      ...(command.length ? [] : ['-t']),
      sshHostAlias(ws.name, profile.name),
      ...(command.length ? ['--', ...command] : []),
    ];
    process.exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn('ssh', sshArgs, { stdio: 'inherit', env: dockerEnv(conn, { ...process.env, ...credentials?.env }) });
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new PreevyError('OpenSSH `ssh` is not installed', { code: 'SSH_CLIENT_MISSING', kind: 'unavailable', suggestions: ['Install the OpenSSH client (Debian: apt-get install openssh-client).'] }) : err));
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  }
}
