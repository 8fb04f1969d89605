import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatHostKeyPin, hostKeyLine, hostKeyMatchesPin, parseHostKeyPin, type HostKeyPin } from './host-key-pin.js';
import { authorizedKeyLine, keyFingerprint, sshBlobFromEd25519Key } from './ssh-key.js';

const hostKey = () => sshBlobFromEd25519Key(generateKeyPairSync('ed25519').publicKey);
const pinOf = (text: string): HostKeyPin => {
  const parsed = parseHostKeyPin(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe('host key pins', () => {
  it('should match exactly the pinned key given as an OpenSSH line, and store it without its comment', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const blob = sshBlobFromEd25519Key(publicKey);
    const pin = pinOf(`  ${authorizedKeyLine(publicKey, 'tunnel@example')}\n`);
    expect(hostKeyMatchesPin(pin, blob)).toBe(true);
    expect(hostKeyMatchesPin(pin, hostKey())).toBe(false);
    expect(formatHostKeyPin(pin)).toBe(authorizedKeyLine(publicKey));
    expect(formatHostKeyPin(pin)).toBe(hostKeyLine(blob));
    expect(pin.fingerprint).toBe(keyFingerprint(blob));
  });

  it('should match exactly the pinned key given as a SHA256 fingerprint, with or without padding', () => {
    const blob = hostKey();
    expect(hostKeyMatchesPin(pinOf(keyFingerprint(blob)), blob)).toBe(true);
    expect(hostKeyMatchesPin(pinOf(`${keyFingerprint(blob)}=`), blob)).toBe(true);
    expect(formatHostKeyPin(pinOf(`${keyFingerprint(blob)}=`))).toBe(keyFingerprint(blob));
    expect(hostKeyMatchesPin(pinOf(keyFingerprint(blob)), hostKey())).toBe(false);
  });

  it('should refuse pins that are not keys or fingerprints, saying why', () => {
    const errorOf = (text: string) => {
      const parsed = parseHostKeyPin(text);
      return parsed.ok ? undefined : parsed.error;
    };
    expect(errorOf('nonsense')).toMatch(/expected "ssh-ed25519/);
    expect(errorOf('not a key')).toMatch(/does not match its type "not"/);
    expect(errorOf('')).toMatch(/expected "ssh-ed25519/);
    expect(errorOf('SHA256:short')).toMatch(/43 base64/);
    expect(errorOf(`ssh-rsa ${hostKey().toString('base64')}`)).toMatch(/does not match its type "ssh-rsa"/);
    expect(errorOf('ssh-ed25519 AAAA')).toMatch(/does not match its type/);
  });

  it('should write the key line of a presented blob', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(hostKeyLine(sshBlobFromEd25519Key(publicKey))).toBe(authorizedKeyLine(publicKey));
  });
});
