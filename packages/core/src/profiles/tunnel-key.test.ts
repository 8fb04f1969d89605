import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientIdFromKey, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { decodeOpenSshEd25519, encodeOpenSshEd25519, generateTunnelKeyPair, parseEd25519PublicKeyLine, tunnelKeyPairFromPrivate } from './tunnel-key.js';

const body = (pem: string): Buffer => Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64');
const armor = (buf: Buffer): string => `-----BEGIN OPENSSH PRIVATE KEY-----\n${buf.toString('base64').match(/.{1,70}/g)!.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;

describe('encodeOpenSshEd25519 / decodeOpenSshEd25519', () => {
  it('should round-trip a key so it signs exactly like the original', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const decoded = decodeOpenSshEd25519(encodeOpenSshEd25519(privateKey, 'me@host'));
    const message = Buffer.from('hello');
    expect(verify(null, message, publicKey, sign(null, message, decoded))).toBe(true);
  });

  it('should write the unencrypted OpenSSH layout: armor, 70-column lines, private section padded to 8 bytes', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = encodeOpenSshEd25519(privateKey, 'abc', Buffer.from([1, 2, 3, 4]));
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(lines.at(-1)).toBe('-----END OPENSSH PRIVATE KEY-----');
    expect(lines.slice(1, -2).every((l) => l.length === 70)).toBe(true);
    const buf = body(pem);
    expect(buf.subarray(0, 15).toString('latin1')).toBe('openssh-key-v1\0');
    expect(buf.includes(Buffer.from('none'))).toBe(true);
    // The private section runs from its two check ints to the end of the key.
    const sectionLength = buf.length - buf.lastIndexOf(Buffer.from([1, 2, 3, 4, 1, 2, 3, 4]));
    expect(sectionLength % 8).toBe(0);
  });

  it('should reject text that is not an unencrypted OpenSSH ed25519 key, without echoing it', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const good = encodeOpenSshEd25519(privateKey);
    const encrypted = armor(Buffer.from(body(good).toString('latin1').replace('\0\0\0\x04none\0\0\0\x04none', '\0\0\0\x04nonf\0\0\0\x04none'), 'latin1'));
    const truncated = armor(body(good).subarray(0, 60));
    const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const [text, reason] of [
      [encrypted, /passphrase/],
      [truncated, /malformed/],
      [pkcs8, /not an OpenSSH private key/],
      ['secret-looking-garbage', /not an OpenSSH private key/],
    ] as const) {
      let thrown: unknown;
      try {
        decodeOpenSshEd25519(text, 'key.txt');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ code: 'TUNNEL_KEY_INVALID', kind: 'invalid-input' });
      expect((thrown as Error).message).toMatch(reason);
      expect((thrown as Error).message).toMatch(/^key\.txt /);
      expect((thrown as Error).message).not.toContain(text.length > 80 ? text.slice(40, 80) : text);
    }
  });

  it('should reject a key whose stored public half does not match its private half', () => {
    const a = body(encodeOpenSshEd25519(generateKeyPairSync('ed25519').privateKey));
    const b = body(encodeOpenSshEd25519(generateKeyPairSync('ed25519').privateKey));
    // Same layout and lengths, so b's public blob fits in a's place: after the magic (15), cipher and
    // kdf names (8 + 8), empty kdf options (4), key count (4) and the blob's length (4); 51 bytes long.
    const publicBlobStart = 15 + 8 + 8 + 4 + 4 + 4;
    const mixed = Buffer.concat([a.subarray(0, publicBlobStart), b.subarray(publicBlobStart, publicBlobStart + 51), a.subarray(publicBlobStart + 51)]);
    expect(() => decodeOpenSshEd25519(armor(mixed))).toThrow(/do not match/);
  });
});

describe('generateTunnelKeyPair', () => {
  it('should derive the public line and client id from the private key', () => {
    const pair = generateTunnelKeyPair('preevy-ci');
    const blob = sshBlobFromEd25519Key(createPublicKey(decodeOpenSshEd25519(pair.privateKey)));
    expect(pair.publicKey).toBe(`ssh-ed25519 ${blob.toString('base64')} preevy-ci`);
    expect(pair.clientId).toBe(clientIdFromKey(blob));
    expect(tunnelKeyPairFromPrivate(pair.privateKey, 'preevy-ci')).toEqual(pair);
    expect(generateTunnelKeyPair().clientId).not.toBe(pair.clientId);
  });
});

describe('parseEd25519PublicKeyLine', () => {
  it('should return the wire blob of an ssh-ed25519 line and reject other lines', () => {
    const pair = generateTunnelKeyPair();
    expect(parseEd25519PublicKeyLine(`${pair.publicKey}\n`).toString('base64')).toBe(pair.publicKey.split(' ')[1]);
    for (const line of ['', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ', `ssh-ed25519 ${Buffer.from('junk').toString('base64')}`]) {
      expect(() => parseEd25519PublicKeyLine(line)).toThrow(expect.objectContaining({ code: 'TUNNEL_KEY_INVALID' }));
    }
  });
});
