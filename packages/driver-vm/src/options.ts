import type { DriverOptionDescriptor } from '@preevy/core';

// A light entry (no ssh2): the CLI builds its flags from these descriptors without loading the driver.

/** The ssh driver's options, as resolved by core (default < profile < x-preevy < env < flag). */
export interface SshDriverOptions extends Record<string, unknown> {
  host?: string | undefined;
  'identity-file'?: string | undefined;
  'host-key'?: string | undefined;
  'proxy-command'?: string | undefined;
  'docker-socket': string;
  'connect-timeout': number;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export const SSH_OPTIONS: readonly DriverOptionDescriptor[] = [
  { name: 'host', type: 'string', env: 'PREEVY_SSH_HOST', description: 'The machine with Docker: user@host[:port] (port 22 by default).' },
  {
    name: 'identity-file',
    type: 'string',
    env: 'PREEVY_SSH_IDENTITY_FILE',
    path: true,
    description: 'Private key to log in with, and only that one (default: the ssh-agent at SSH_AUTH_SOCK, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa).',
  },
  {
    name: 'host-key',
    type: 'string',
    env: 'PREEVY_SSH_HOST_KEY',
    description: "Pin the host's SSH key up front: its public key line ('ssh-ed25519 AAAA...') or fingerprint ('SHA256:...'). Default: trust on first use, pinned in the environment's record.",
  },
  {
    name: 'proxy-command',
    type: 'string',
    env: 'PREEVY_SSH_PROXY_COMMAND',
    description: "Reach the host through this command's stdin/stdout, like OpenSSH's ProxyCommand: %h host, %p port, %r user, %% a percent sign. Run without a shell.",
  },
  { name: 'docker-socket', type: 'string', env: 'PREEVY_SSH_DOCKER_SOCKET', default: DEFAULT_DOCKER_SOCKET, description: "Path of the Docker engine's socket on the host." },
  { name: 'connect-timeout', type: 'number', env: 'PREEVY_SSH_CONNECT_TIMEOUT', default: 30, description: 'Seconds to wait for the SSH connection and login.' },
];

export { EC2_OPTIONS } from './ec2/ec2-options.js';
export type { Ec2Options } from './ec2/ec2-options.js';
