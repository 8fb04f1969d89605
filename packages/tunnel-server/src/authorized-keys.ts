import { readFile } from 'node:fs/promises';
import { keyFingerprint } from '@preevy/tunnel-protocol';
import { parseSshKey } from './parse-ssh-key.js';
import { TunnelServerError } from './tunnel-server-error.js';

/** Fingerprints of the keys allowed to register tunnels, from an OpenSSH authorized_keys file. */
export const readAuthorizedKeys = async (file: string): Promise<ReadonlySet<string>> => {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new TunnelServerError(`The authorized keys file ${file} cannot be read (${err.code ?? err.message})`, {
      code: 'AUTHORIZED_KEYS_UNREADABLE',
      suggestions: ['Check the path and that this user may read the file, or leave the authorized keys file unset to let any key register in its own namespace.'],
      cause: err,
    });
  });
  const fingerprints = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const key = parseSshKey(line, `${file}:${i + 1}`, {
      code: 'AUTHORIZED_KEYS_INVALID',
      suggestions: [`Fix or remove line ${i + 1} of ${file}: each line is one public key as \`ssh-keygen -y\` prints it (\`ssh-ed25519 AAAA... comment\`), without options.`],
    });
    fingerprints.add(keyFingerprint(key.getPublicSSH()));
  });
  return fingerprints;
};
