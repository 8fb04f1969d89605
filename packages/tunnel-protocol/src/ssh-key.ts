import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { base32 } from './dns-label.js';

const CLIENT_ID_LENGTH = 12; // 60 bits of the key's SHA-256: collisions are not a practical concern

/** The stable id of a tunnel client: derived from its SSH public key, DNS-safe. */
export const clientIdFromKey = (sshPublicKeyBlob: Uint8Array): string =>
  base32(createHash('sha256').update(sshPublicKeyBlob).digest()).slice(0, CLIENT_ID_LENGTH);

/** OpenSSH-style fingerprint (`SHA256:...`) of an SSH public key blob: the full identity of a key. */
export const keyFingerprint = (sshPublicKeyBlob: Uint8Array): string =>
  `SHA256:${createHash('sha256').update(sshPublicKeyBlob).digest('base64').replace(/=+$/, '')}`;

const readString = (buf: Buffer, offset: number): { value: Buffer; next: number } | undefined => {
  if (offset + 4 > buf.length) return undefined;
  const len = buf.readUInt32BE(offset);
  const end = offset + 4 + len;
  return end > buf.length ? undefined : { value: buf.subarray(offset + 4, end), next: end };
};

const ED25519 = 'ssh-ed25519';

/** The Ed25519 public key in an SSH wire-format blob, or undefined for other key types or bad blobs. */
export const ed25519KeyFromSshBlob = (blob: Uint8Array): KeyObject | undefined => {
  const buf = Buffer.from(blob);
  const type = readString(buf, 0);
  if (!type || type.value.toString() !== ED25519) return undefined;
  const key = readString(buf, type.next);
  if (!key || key.value.length !== 32 || key.next !== buf.length) return undefined;
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.value.toString('base64url') }, format: 'jwk' });
};

const sshString = (b: Buffer): Buffer => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

/** The SSH wire-format blob of an Ed25519 public (or private) key. */
export const sshBlobFromEd25519Key = (key: KeyObject): Buffer => {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.x) throw new TypeError('expected an Ed25519 key');
  return Buffer.concat([sshString(Buffer.from(ED25519)), sshString(Buffer.from(jwk.x, 'base64url'))]);
};

/** `ssh-ed25519 AAAA... comment`: the authorized_keys line of an Ed25519 key. */
export const authorizedKeyLine = (key: KeyObject, comment = ''): string =>
  `${ED25519} ${sshBlobFromEd25519Key(key).toString('base64')}${comment ? ` ${comment}` : ''}`;
