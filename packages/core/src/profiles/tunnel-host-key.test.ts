import { generateKeyPairSync } from 'node:crypto';
import { authorizedKeyLine, keyFingerprint, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { canonicalTunnelHostKey, tunnelHostKeyChanged, tunnelHostKeyMatches } from './tunnel-host-key.js';

const serverKey = () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  return { line: authorizedKeyLine(publicKey), fingerprint: keyFingerprint(sshBlobFromEd25519Key(publicKey)) };
};

describe('tunnel host key pins in profiles', () => {
  it('should store pins canonical and refuse what is not a key or fingerprint with a typed error', () => {
    const key = serverKey();
    expect(canonicalTunnelHostKey(`${key.line} operator@host`)).toBe(key.line);
    expect(canonicalTunnelHostKey(`${key.fingerprint}=`)).toBe(key.fingerprint);
    expect(() => canonicalTunnelHostKey('hunter2')).toThrow(expect.objectContaining({ code: 'TUNNEL_HOST_KEY_INVALID', kind: 'invalid-input' }));
  });

  it('should match a presented key against a key line or a fingerprint pin', () => {
    const [key, other] = [serverKey(), serverKey()];
    expect(tunnelHostKeyMatches(key.line, key.line)).toBe(true);
    expect(tunnelHostKeyMatches(key.fingerprint, key.line)).toBe(true);
    expect(tunnelHostKeyMatches(key.line, other.line)).toBe(false);
    expect(tunnelHostKeyMatches(key.fingerprint, other.line)).toBe(false);
  });

  it('should explain a changed key with both fingerprints and the remedies, as a conflict', () => {
    const [pinned, presented] = [serverKey(), serverKey()];
    const err = tunnelHostKeyChanged({ profile: 'ci', tunnelUrl: 'ssh://t.example.com:2222', pinned: pinned.fingerprint, presented: presented.line });
    expect(err).toMatchObject({ code: 'TUNNEL_HOST_KEY_CHANGED', kind: 'conflict' });
    expect(err.message).toContain(`ssh://t.example.com:2222 presented host key ${presented.fingerprint}, but profile "ci" pinned ${pinned.fingerprint}`);
    expect(err.suggestions).toEqual([
      expect.stringMatching(/operator/),
      `If it did, pin the new key: preevy profile config update --profile ci --tunnel-host-key '${presented.line}'`,
      expect.stringContaining('preevy profile config update --profile ci --unset-tunnel-host-key'),
    ]);
  });
});
