import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PreevyError } from '@preevy/core';
import { utils, type AgentAuthMethod, type PublicKeyAuthMethod } from 'ssh2';

type AuthMethod = AgentAuthMethod | PublicKeyAuthMethod;

/** Where the login keys come from; each is a parameter so the choice is testable without a home. */
export interface SshAuthSources {
  /** An explicit key file: then only that key is offered (like OpenSSH's IdentitiesOnly). */
  identityFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  home?: string;
  read?: (path: string) => Promise<Buffer | undefined>;
}

/** The login methods to offer, in order, and what they are (for an error that says what was tried). */
export interface SshAuth {
  methods: AuthMethod[];
  tried: string[];
}

/** OpenSSH's own default identities, in its order (DSA is gone from OpenSSH too). */
export const DEFAULT_IDENTITY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'] as const;

const readIfExists = (path: string): Promise<Buffer | undefined> =>
  readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });

/** A private key ssh2 can use without a passphrase, or why not. */
const parsedKey = (text: Buffer): { ok: true } | { ok: false; why: string } => {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) return { ok: false, why: /encrypted/i.test(parsed.message) ? 'it is encrypted (protected by a passphrase)' : parsed.message };
  return { ok: true };
};

/**
 * The keys `preevy` logs in with. An explicit identity file: that key only, and an unreadable or
 * encrypted one is an error. Otherwise what `ssh user@host` would offer: the ssh-agent at
 * SSH_AUTH_SOCK, then the default key files that exist and need no passphrase. So a host that
 * works by hand works here, and CI passes one key file.
 */
export const sshAuth = async (username: string, { identityFile, env = process.env, home = homedir(), read = readIfExists }: SshAuthSources = {}): Promise<SshAuth> => {
  if (identityFile) {
    const text = await read(identityFile).catch((cause: unknown) => {
      throw new PreevyError(`Cannot read the SSH identity file ${identityFile}`, { code: 'SSH_IDENTITY_UNREADABLE', kind: 'invalid-input', cause });
    });
    if (!text) throw new PreevyError(`The SSH identity file ${identityFile} does not exist`, { code: 'SSH_IDENTITY_UNREADABLE', kind: 'invalid-input', suggestions: ['Give the private key file (not the .pub) with --ssh-identity-file.'] });
    const parsed = parsedKey(text);
    if (!parsed.ok) {
      throw new PreevyError(`Cannot use the SSH identity file ${identityFile}: ${parsed.why}`, {
        code: 'SSH_IDENTITY_UNUSABLE',
        kind: 'invalid-input',
        suggestions: ['For a key with a passphrase: add it to ssh-agent (`ssh-add KEY`) and leave --ssh-identity-file unset, so the agent is used.'],
      });
    }
    return { methods: [{ type: 'publickey', username, key: text }], tried: [identityFile] };
  }
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  if (env.SSH_AUTH_SOCK) {
    methods.push({ type: 'agent', username, agent: env.SSH_AUTH_SOCK });
    tried.push(`the ssh-agent at ${env.SSH_AUTH_SOCK}`);
  }
  for (const name of DEFAULT_IDENTITY_FILES) {
    const path = join(home, '.ssh', name);
    const text = await read(path).catch(() => undefined);
    // An encrypted default key is left to the agent, as ssh without a terminal would.
    if (text && parsedKey(text).ok) {
      methods.push({ type: 'publickey', username, key: text });
      tried.push(path);
    }
  }
  if (methods.length === 0) {
    throw new PreevyError('No SSH key to log in with: no ssh-agent (SSH_AUTH_SOCK) and no usable ~/.ssh/id_ed25519, id_ecdsa or id_rsa', {
      code: 'SSH_NO_IDENTITY',
      kind: 'invalid-input',
      suggestions: ['Give the private key with --ssh-identity-file (or PREEVY_SSH_IDENTITY_FILE), or start ssh-agent and add the key.'],
    });
  }
  return { methods, tried };
};
