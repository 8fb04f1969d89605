import { generateKeyPairSync } from 'node:crypto';
import { authorizedKeyLine, keyFingerprint, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { parseHostKeyPin } from './host-key.js';

const hostKey = () => sshBlobFromEd25519Key(generateKeyPairSync('ed25519').publicKey);

describe('parseHostKeyPin', () => {
  it('should accept exactly the pinned key given as an OpenSSH line', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const check = parseHostKeyPin(authorizedKeyLine(publicKey, 'tunnel@example'));
    expect(check(sshBlobFromEd25519Key(publicKey))).toBe(true);
    expect(check(hostKey())).toBe(false);
  });

  it('should accept exactly the pinned key given as a SHA256 fingerprint, with or without padding', () => {
    const blob = hostKey();
    expect(parseHostKeyPin(keyFingerprint(blob))(blob)).toBe(true);
    expect(parseHostKeyPin(`${keyFingerprint(blob)}=`)(blob)).toBe(true);
    expect(parseHostKeyPin(keyFingerprint(blob))(hostKey())).toBe(false);
  });

  it('should reject pins that are not keys or fingerprints', () => {
    expect(() => parseHostKeyPin('not a key')).toThrow(/PREEVY_TUNNEL_HOST_KEY/);
    expect(() => parseHostKeyPin('SHA256:short')).toThrow(/43 base64/);
    const blob = hostKey().toString('base64');
    expect(() => parseHostKeyPin(`ssh-rsa ${blob}`)).toThrow(/does not match its type "ssh-rsa"/);
  });
});
