import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { PreevyError } from '@preevy/core';
import { AGENT_STATE_FILE } from '@preevy/tunnel-protocol';

/** A file of templates/vm, found upwards from this module (src/ in tests, dist/ when built, a bundle). */
const shippedVmTemplate = (name: string): string => {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates', 'vm', name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return join(start, 'templates', 'vm', name);
  }
};

/** templates/vm/cloud-init.yaml. */
export const shippedCloudInit = (): string => shippedVmTemplate('cloud-init.yaml');

export interface UserDataInput {
  sshUser: string;
  /** `ssh-ed25519 AAAA…`: the profile's key, which SSH logs in with. */
  publicKey: string;
  /** Stop the machine after this long without activity (templates/vm/idle-stop.sh); absent: never. */
  inactivitySeconds?: number | undefined;
}

export interface UserData {
  text: string;
  /** Part of the machine's spec: a changed template or input recreates the machine. */
  hash: string;
}

const invalid = (what: string, fix: string) => new PreevyError(`Invalid ${what} for the EC2 machine's user data`, { code: 'EC2_USER_DATA_INVALID', kind: 'invalid-input', suggestions: [fix] });

/** The cloud-init user data of a machine: checked inputs (they land in YAML), rendered, hashed. */
export const renderUserData = (input: UserDataInput, templatePath: string = shippedCloudInit()): UserData => {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(input.sshUser)) throw invalid(`ssh user "${input.sshUser}"`, 'Give --ec2-ssh-user as a Linux user name: lowercase letters, digits, - and _.');
  if (!/^ssh-ed25519 [A-Za-z0-9+/]+=*( [^\n]*)?$/.test(input.publicKey)) throw invalid('public key', 'The profile key must be an ssh-ed25519 public key line.');
  const idle = input.inactivitySeconds;
  if (idle !== undefined && !(Number.isInteger(idle) && idle > 0)) throw invalid(`inactivity timeout (${idle} s)`, 'Give --ec2-inactivity-timeout as a positive number of minutes.');
  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
  const text = env.renderString(readFileSync(templatePath, 'utf8'), {
    sshUser: input.sshUser,
    publicKey: input.publicKey.split(' ').slice(0, 2).join(' '),
    inactivitySeconds: idle ?? null,
    agentStateFile: AGENT_STATE_FILE,
    idleStopScript: idle === undefined ? null : readFileSync(shippedVmTemplate('idle-stop.sh'), 'utf8').trimEnd(),
  });
  return { text, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
};
