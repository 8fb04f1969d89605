import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { sshBlobFromEd25519Key } from './ssh-key.js';

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const KEY_TYPE = 'ssh-ed25519';
// No cipher: OpenSSH pads the private section to its cipher block size, 8 for "none".
const BLOCK_SIZE = 8;

const uint32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sshString = (b: Buffer | string): Buffer => {
  const buf = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([uint32(buf.length), buf]);
};

export const OPENSSH_PRIVATE_KEY_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
export const OPENSSH_PRIVATE_KEY_END = '-----END OPENSSH PRIVATE KEY-----';

/**
 * Encodes an Ed25519 private key as an unencrypted OpenSSH private key (what `ssh-keygen -t
 * ed25519` writes), readable by ssh2 and stock OpenSSH. Written here, not by ssh2's own
 * generator, which emits a key it cannot parse back in a few runs per thousand.
 */
export const encodeOpenSshEd25519 = (key: KeyObject, comment = '', checkInt: Buffer = randomBytes(4)): string => {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new TypeError('expected an Ed25519 private key');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const unpadded = Buffer.concat([checkInt, checkInt, sshString(KEY_TYPE), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const padLength = (BLOCK_SIZE - (unpadded.length % BLOCK_SIZE)) % BLOCK_SIZE;
  const padding = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const body = Buffer.concat([
    MAGIC,
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(sshBlobFromEd25519Key(key)),
    sshString(Buffer.concat([unpadded, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `${OPENSSH_PRIVATE_KEY_BEGIN}\n${lines.join('\n')}\n${OPENSSH_PRIVATE_KEY_END}\n`;
};

/** A fresh Ed25519 key pair: the OpenSSH private key text and the Node key objects. */
export const generateOpenSshEd25519 = (comment = ''): { openssh: string; privateKey: KeyObject; publicKey: KeyObject } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { openssh: encodeOpenSshEd25519(privateKey, comment), privateKey, publicKey };
};
