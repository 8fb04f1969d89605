import type { DriverOptionDescriptor } from '@preevy/core';

// A light entry (no AWS SDK): the CLI builds `--ec2-*` flags from these without loading the SDK.

/** The EC2 driver's options, resolved by core (default < profile < x-preevy < env < flag). */
export interface Ec2Options extends Record<string, unknown> {
  region?: string | undefined;
  'instance-type': string;
  ami?: string | undefined;
  'ami-name': string;
  'ami-owner': string;
  subnet?: string | undefined;
  'security-group'?: string | undefined;
  'ssh-cidr'?: string | undefined;
  'volume-size': number;
  'ssh-user': string;
  endpoint?: string | undefined;
  'ssh-proxy-command'?: string | undefined;
  'host-key'?: string | undefined;
  'inactivity-timeout'?: number | undefined;
  'ready-timeout': number;
}

/** Debian's own account and image names: resolved at `up` (newest first), so no AMI id rots in the code. */
export const DEFAULT_AMI_NAME = 'debian-12-amd64-*';
export const DEFAULT_AMI_OWNER = '136693071363';

export const EC2_OPTIONS: readonly DriverOptionDescriptor[] = [
  { name: 'region', type: 'string', env: 'AWS_REGION', description: "AWS region (default: the SDK's chain: AWS_REGION, the shared config)." },
  { name: 'instance-type', type: 'string', env: 'PREEVY_EC2_INSTANCE_TYPE', default: 't3.small', description: 'Instance type; a change recreates the machine.' },
  { name: 'ami', type: 'string', env: 'PREEVY_EC2_AMI', description: 'AMI id (default: the newest image named ami-name from ami-owner).' },
  { name: 'ami-name', type: 'string', env: 'PREEVY_EC2_AMI_NAME', default: DEFAULT_AMI_NAME, description: 'Image name pattern looked up when ami is unset.' },
  { name: 'ami-owner', type: 'string', env: 'PREEVY_EC2_AMI_OWNER', default: DEFAULT_AMI_OWNER, description: 'Account that owns the images looked up (default: Debian).' },
  { name: 'subnet', type: 'string', env: 'PREEVY_EC2_SUBNET', description: "Subnet id (default: the default VPC's)." },
  { name: 'security-group', type: 'string', env: 'PREEVY_EC2_SECURITY_GROUP', description: 'Security group id (default: one created per environment, SSH from ssh-cidr only).' },
  { name: 'ssh-cidr', type: 'string', env: 'PREEVY_EC2_SSH_CIDR', description: 'Who may reach SSH on the created security group, e.g. 203.0.113.7/32.' },
  { name: 'volume-size', type: 'number', env: 'PREEVY_EC2_VOLUME_SIZE', default: 20, description: 'Root volume size in GiB; a change recreates the machine.' },
  { name: 'ssh-user', type: 'string', env: 'PREEVY_EC2_SSH_USER', default: 'preevy', description: 'User that cloud-init creates and SSH logs in as.' },
  { name: 'endpoint', type: 'string', env: 'PREEVY_EC2_ENDPOINT', description: 'EC2 API endpoint override (an emulator, a VPC endpoint).' },
  { name: 'ssh-proxy-command', type: 'string', env: 'PREEVY_EC2_SSH_PROXY_COMMAND', description: 'OpenSSH ProxyCommand for a bastion or SSM (%h host, %p port); the instance address is never dialled directly.' },
  { name: 'host-key', type: 'string', env: 'PREEVY_EC2_HOST_KEY', description: "Pin the machine's SSH host key ('ssh-ed25519 AAAA...' or 'SHA256:...'); default: the key its console printed at boot, else trust on first use." },
  { name: 'inactivity-timeout', type: 'number', env: 'PREEVY_EC2_INACTIVITY_TIMEOUT', description: 'Minutes without a visitor through the tunnels, a workspace SSH session or a preevy command after which the machine stops itself (the next up starts it); unset: never.' },
  { name: 'ready-timeout', type: 'number', env: 'PREEVY_EC2_READY_TIMEOUT', default: 600, description: 'Seconds to wait for the machine to run, answer SSH and run Docker.' },
];
