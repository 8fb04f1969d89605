import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateOpenSshEd25519, keyFingerprint } from '@preevy/tunnel-protocol';
import { parseSshKey } from './parse-ssh-key.js';

export interface HostKey {
  /** OpenSSH private key, for ssh2's `hostKeys`. */
  privateKey: Buffer;
  /** `ssh-ed25519 AAAA...`: what clients pin. */
  publicKey: string;
  fingerprint: string;
}

const describe = (privateKey: Buffer, source: string): HostKey => {
  const key = parseSshKey(privateKey, source, {
    code: 'TUNNEL_HOST_KEY_INVALID',
    suggestions: [
      `Restore the server's key file from a backup, or delete ${source} to have a new key generated at the next start (clients that pinned the old key will refuse the new one until they pin it again).`,
    ],
  });
  const blob = key.getPublicSSH();
  return { privateKey, publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint: keyFingerprint(blob) };
};

/**
 * The server's SSH host key, kept in `file` so clients can pin it across restarts: generated
 * (Ed25519, mode 0600) on first start.
 */
export const loadOrCreateHostKey = async (file: string): Promise<HostKey> => {
  const existing = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing) return describe(existing, file);
  const { openssh: privateKey } = generateOpenSshEd25519('preevy-tunnel-server');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, privateKey, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return describe(Buffer.from(privateKey), file);
};

/** A fresh in-memory host key (tests, ephemeral servers). */
export const generateHostKey = (): HostKey => describe(Buffer.from(generateOpenSshEd25519('preevy-tunnel-server').openssh), 'generated key');
