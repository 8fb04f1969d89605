import { generateKeyPairSync } from 'node:crypto';
import { authorizedKeyLine } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { parseProfileExport, serializeProfileExport, type ProfileExport } from './profile-export.js';
import { generateTunnelKeyPair } from './tunnel-key.js';

const T = '2026-01-02T03:04:05.000Z';
const validDoc = (): ProfileExport => {
  const keys = generateTunnelKeyPair('preevy-ci');
  return {
    formatVersion: 1,
    profile: { name: 'ci', driver: 'docker', driverOptions: { replicas: 2, spot: true, region: 'eu' }, tunnelUrl: 'ssh+tls://tunnel.example.com', createdAt: T, updatedAt: T },
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
    envs: [{ version: 1, envId: 'app-main', composeProject: 'app', driver: 'docker', status: 'up', createdAt: T, updatedAt: T, urls: [{ service: 'web', port: 80, url: 'http://web.example.com/' }] }],
  };
};

const errorOf = (fn: () => unknown): Error & { code?: string } => {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
};

describe('parseProfileExport', () => {
  it('should round-trip what serializeProfileExport writes', () => {
    const doc = validDoc();
    expect(parseProfileExport(serializeProfileExport(doc), 'f.json')).toEqual(doc);
  });

  it('should accept a file without environments and without a tunnel URL', () => {
    const { envs: _envs, ...doc } = validDoc();
    const { tunnelUrl: _url, ...profile } = doc.profile;
    expect(parseProfileExport(JSON.stringify({ ...doc, profile }), 'f.json').envs).toBeUndefined();
  });

  it('should reject corrupted files with a message naming the file and the problem, never the key', () => {
    const doc = validDoc();
    const other = generateTunnelKeyPair();
    const cases: Array<[string, string | RegExp]> = [
      [serializeProfileExport(doc).slice(0, 200), 'it is not JSON'],
      [JSON.stringify({ ...doc, formatVersion: undefined }), 'formatVersion'],
      [JSON.stringify({ ...doc, profile: { ...doc.profile, name: 'Bad Name' } }), 'profile.name: not a valid profile name'],
      [JSON.stringify({ ...doc, profile: { ...doc.profile, tunnelUrl: 'http://x' } }), 'profile.tunnelUrl'],
      [JSON.stringify({ ...doc, profile: { ...doc.profile, tunnelHostKey: 'SHA256:short' } }), 'profile.tunnelHostKey: not a host key line or SHA256 fingerprint'],
      [JSON.stringify({ ...doc, profile: { ...doc.profile, driverOptions: { x: { nested: 1 } } } }), 'profile.driverOptions.x'],
      [JSON.stringify({ ...doc, envs: [{ ...doc.envs![0], status: 'weird' }] }), 'envs.0.status'],
      [JSON.stringify({ ...doc, envs: [doc.envs![0], doc.envs![0]] }), 'environment "app-main" appears twice'],
      [JSON.stringify({ ...doc, publicKey: other.publicKey }), 'the public key does not belong to the private key'],
      [JSON.stringify({ ...doc, privateKey: doc.privateKey.replace(/\n[^\n]+\n-----END/, '\n-----END') }), /private key in f\.json is not a usable tunnel key/],
    ];
    for (const [text, expected] of cases) {
      const err = errorOf(() => parseProfileExport(text, 'f.json'));
      expect(err.message, String(expected)).toMatch(expected); // a string matches as a substring
      expect(err.message).toContain('f.json');
      expect(['PROFILE_FILE_INVALID', 'TUNNEL_KEY_INVALID']).toContain(err.code);
      const keyBody = doc.privateKey.split('\n')[2]!;
      expect(JSON.stringify({ message: err.message, cause: err.cause })).not.toContain(keyBody);
    }
  });

  it('should carry the tunnel server host key pin, in its canonical form', () => {
    const hostKey = authorizedKeyLine(generateKeyPairSync('ed25519').publicKey);
    const doc = validDoc();
    const pinned = { ...doc, profile: { ...doc.profile, tunnelHostKey: `${hostKey} operator@example` } };
    expect(parseProfileExport(serializeProfileExport(pinned), 'f.json').profile.tunnelHostKey).toBe(hostKey);
  });

  it('should refuse a pin without a tunnel URL, as profile.json does', () => {
    const hostKey = authorizedKeyLine(generateKeyPairSync('ed25519').publicKey);
    const doc = validDoc();
    const orphan = { ...doc, profile: { ...doc.profile, tunnelUrl: undefined, tunnelHostKey: hostKey } };
    const err = errorOf(() => parseProfileExport(JSON.stringify(orphan), 'f.json'));
    expect(err).toMatchObject({ code: 'PROFILE_FILE_INVALID' });
    expect(err.message).toMatch(/tunnelHostKey/);
  });

  it('should accept a private key whose line breaks a CI secret lost, and restore its canonical form', () => {
    const doc = validDoc();
    const flattened = JSON.stringify({ ...doc, privateKey: doc.privateKey.replace(/\n/g, ' ') });
    expect(parseProfileExport(flattened, 'f.json').privateKey).toBe(doc.privateKey);
  });

  it('should tell a file from a newer preevy apart from a corrupted one', () => {
    expect(errorOf(() => parseProfileExport(JSON.stringify({ ...validDoc(), formatVersion: 2 }), 'f.json'))).toMatchObject({ code: 'PROFILE_FILE_TOO_NEW' });
  });
});
