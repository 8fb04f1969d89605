import { generateKeyPairSync } from 'node:crypto';
import { authorizedKeyLine, keyFingerprint, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { hostKeyCheck } from './host-key.js';

const hostKey = () => sshBlobFromEd25519Key(generateKeyPairSync('ed25519').publicKey);

// The format itself is tested in tunnel-protocol; here, what the agent makes of it.
describe('hostKeyCheck', () => {
  it('should accept exactly the pinned key, as a line or a fingerprint', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const blob = sshBlobFromEd25519Key(publicKey);
    expect(hostKeyCheck(authorizedKeyLine(publicKey, 'tunnel@example'))(blob)).toBe(true);
    expect(hostKeyCheck(keyFingerprint(blob))(blob)).toBe(true);
    expect(hostKeyCheck(keyFingerprint(blob))(hostKey())).toBe(false);
  });

  it('should reject a bad pin with an error naming the variable and the remedy', () => {
    expect(() => hostKeyCheck('SHA256:short')).toThrow(/^PREEVY_TUNNEL_HOST_KEY is not a valid host key: .*43 base64/);
    expect(() => hostKeyCheck('SHA256:short')).toThrow(expect.objectContaining({ code: 'INVALID_HOST_KEY' }));
  });

  it('should refuse to check against no pin at all', () => {
    expect(() => hostKeyCheck(undefined)).toThrow(expect.objectContaining({ code: 'HOST_KEY_REQUIRED' }));
    expect(() => hostKeyCheck('')).toThrow(/No tunnel server host key is pinned/);
  });
});
