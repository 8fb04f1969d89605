import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { generateOpenSshEd25519, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { loadAgentKey } from './agent-key.js';

const parse = (key: Buffer) => {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new Error('unexpected parse result');
  return parsed;
};

describe('loadAgentKey', () => {
  it('should pass an OpenSSH private key through unchanged', () => {
    // Our own encoder: ssh2's generator now and then makes an ed25519 key it cannot parse back.
    const { openssh } = generateOpenSshEd25519();
    expect(loadAgentKey(openssh, 'PREEVY_AGENT_KEY').toString()).toBe(openssh);
  });

  it('should convert a PKCS8 Ed25519 key into one ssh2 signs with, with the same public key', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = parse(loadAgentKey(pem, 'PREEVY_AGENT_KEY'));
    expect(key.type).toBe('ssh-ed25519');
    expect(key.getPublicSSH()).toEqual(sshBlobFromEd25519Key(createPublicKey(privateKey)));
    const data = Buffer.from('challenge');
    const signature = key.sign(data);
    expect(signature).toBeInstanceOf(Buffer);
    expect(key.verify(data, signature)).toBe(true);
  });

  it('should name the variable and never echo the key when the key is unusable', () => {
    const secret = 'c2VjcmV0LWtleS1tYXRlcmlhbA';
    expect(() => loadAgentKey('not a key', 'PREEVY_AGENT_KEY_FILE')).toThrow(/PREEVY_AGENT_KEY_FILE does not hold a usable private key/);
    let message = '';
    try {
      loadAgentKey(`-----BEGIN OPENSSH PRIVATE KEY-----\n${secret}\n-----END OPENSSH PRIVATE KEY-----\n`, 'PREEVY_AGENT_KEY');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/PREEVY_AGENT_KEY/);
    expect(message).not.toContain(secret);
  });

  it('should reject a PKCS8 key that is not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => loadAgentKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'PREEVY_AGENT_KEY')).toThrow(/only Ed25519/);
  });
});
