import { readFile } from 'node:fs/promises';
import { keyFingerprint } from '@preevy/tunnel-protocol';
import { parseSshKey } from './parse-ssh-key.js';

/** Fingerprints of the keys allowed to register tunnels, from an OpenSSH authorized_keys file. */
export const readAuthorizedKeys = async (file: string): Promise<ReadonlySet<string>> => {
  const text = await readFile(file, 'utf8');
  const fingerprints = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const key = parseSshKey(line, `${file}:${i + 1}`);
    fingerprints.add(keyFingerprint(key.getPublicSSH()));
  });
  return fingerprints;
};
