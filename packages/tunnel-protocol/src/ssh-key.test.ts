import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authorizedKeyLine, clientIdFromKey, ed25519KeyFromSshBlob, keyFingerprint, sshBlobFromEd25519Key } from './ssh-key.js';

describe('SSH key helpers', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const blob = sshBlobFromEd25519Key(publicKey);

  it('should round-trip an Ed25519 key through its SSH blob', () => {
    const back = ed25519KeyFromSshBlob(blob);
    expect(back).toBeDefined();
    const sig = sign(null, Buffer.from('x'), privateKey);
    expect(verify(null, Buffer.from('x'), back!, sig)).toBe(true);
  });

  it('should derive a stable, DNS-safe 12-character client id and an OpenSSH fingerprint', () => {
    expect(clientIdFromKey(blob)).toMatch(/^[a-z2-7]{12}$/);
    expect(clientIdFromKey(blob)).toBe(clientIdFromKey(Buffer.from(blob)));
    expect(clientIdFromKey(sshBlobFromEd25519Key(generateKeyPairSync('ed25519').publicKey))).not.toBe(clientIdFromKey(blob));
    expect(keyFingerprint(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('should refuse blobs of other key types or with trailing bytes', () => {
    expect(ed25519KeyFromSshBlob(Buffer.concat([blob, Buffer.from([0])]))).toBeUndefined();
    expect(ed25519KeyFromSshBlob(Buffer.from('garbage'))).toBeUndefined();
  });

  it('should write an authorized_keys line', () => {
    expect(authorizedKeyLine(publicKey, 'ci')).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ ci$/);
  });
});
