import { generateKeyPairSync } from 'node:crypto';
import { keyFingerprint, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { judgeHostKey, pinInForce, recordedHostKey, sshHostKeyChanged } from './host-key-pin.js';

const blob = (): Buffer => sshBlobFromEd25519Key(generateKeyPairSync('ed25519').publicKey);
const [a, b] = [blob(), blob()];
const line = (k: Buffer): string => `ssh-ed25519 ${k.toString('base64')}`;

describe('host key pinning', () => {
  it('should trust on first use only when nothing is pinned', () => {
    expect(pinInForce({})).toBeUndefined();
    expect(judgeHostKey(undefined, a)).toBe('first-use');
  });

  it('should check against the record, by whole key or by fingerprint', () => {
    expect(judgeHostKey(pinInForce({ recorded: line(a) }), a)).toBe('match');
    expect(judgeHostKey(pinInForce({ recorded: line(a) }), b)).toBe('mismatch');
    expect(judgeHostKey(pinInForce({ option: keyFingerprint(a) }), a)).toBe('match');
    expect(judgeHostKey(pinInForce({ option: keyFingerprint(a) }), b)).toBe('mismatch');
  });

  it('should let an explicit pin win over the record (how a changed key is re-pinned)', () => {
    const pin = pinInForce({ option: `${line(b)} root@host`, recorded: line(a) });
    expect(pin?.source).toBe('option');
    expect(judgeHostKey(pin, b)).toBe('match');
    expect(judgeHostKey(pin, a)).toBe('mismatch');
  });

  it('should record the whole key line, not a fingerprint', () => {
    expect(recordedHostKey(a)).toBe(line(a));
  });

  it('should refuse a malformed pin with a typed error', () => {
    expect(() => pinInForce({ option: 'ssh-ed25519 AAAA' })).toThrow(expect.objectContaining({ code: 'SSH_HOST_KEY_INVALID', kind: 'invalid-input' }));
    expect(() => pinInForce({ option: 'SHA256:short' })).toThrow(/43 base64 characters/);
  });

  it('should name both fingerprints and the remedy for where the pin came from', () => {
    const fromRecord = sshHostKeyChanged({ target: 'me@h:22', pin: pinInForce({ recorded: line(a) })!, presented: b });
    expect(fromRecord).toMatchObject({ code: 'SSH_HOST_KEY_CHANGED', kind: 'conflict' });
    expect(fromRecord.message).toContain(keyFingerprint(a));
    expect(fromRecord.message).toContain(keyFingerprint(b));
    expect(fromRecord.suggestions.join('\n')).toContain(`preevy up --ssh-host-key '${line(b)}'`);
    const fromOption = sshHostKeyChanged({ target: 'me@h:22', pin: pinInForce({ option: line(a) })!, presented: b });
    expect(fromOption.message).toContain('--ssh-host-key pins');
    expect(fromOption.suggestions.join('\n')).toContain('correct the pin');
  });
});
