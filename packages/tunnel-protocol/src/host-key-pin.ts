import { timingSafeEqual } from 'node:crypto';
import type { ParseResult } from './forward-request.js';
import { keyFingerprint } from './ssh-key.js';

/**
 * A tunnel server host key a client trusts: the whole public key, or only its `SHA256:`
 * fingerprint (as `ssh-keygen -lf` prints it), when that is all the operator published.
 */
export type HostKeyPin = { kind: 'key'; type: string; blob: Buffer; fingerprint: string } | { kind: 'fingerprint'; fingerprint: string };

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const KEY_TYPE = /^[a-z0-9@.-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The type name an SSH wire-format public key blob starts with, or undefined for a malformed blob. */
const blobType = (blob: Uint8Array): string | undefined => {
  if (blob.length < 4) return undefined;
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const len = buf.readUInt32BE(0);
  return len > 0 && 4 + len < buf.length ? buf.subarray(4, 4 + len).toString('latin1') : undefined;
};

/** `ssh-ed25519 AAAA…` (no comment): the OpenSSH public key line of an SSH wire-format blob. */
export const hostKeyLine = (blob: Uint8Array): string => `${blobType(blob) ?? 'unknown'} ${Buffer.from(blob).toString('base64')}`;

/**
 * Reads a pin: an OpenSSH public key line (`ssh-ed25519 AAAA… [comment]`, any key type) or a
 * `SHA256:` fingerprint (base64 padding optional). The error says what is wrong, never echoing
 * more than the input's shape.
 */
export const parseHostKeyPin = (text: string): ParseResult<HostKeyPin> => {
  const trimmed = text.trim();
  if (trimmed.startsWith('SHA256:')) {
    const fingerprint = trimmed.replace(/=+$/, '');
    if (!FINGERPRINT.test(fingerprint)) return { ok: false, error: 'a SHA256 fingerprint has 43 base64 characters after "SHA256:"' };
    return { ok: true, value: { kind: 'fingerprint', fingerprint } };
  }
  const [type, b64] = trimmed.split(/\s+/);
  if (!type || !b64 || !KEY_TYPE.test(type) || !BASE64.test(b64)) return { ok: false, error: 'expected "ssh-ed25519 AAAA..." or "SHA256:..."' };
  const blob = Buffer.from(b64, 'base64');
  // The blob starts with the key type: a line whose type and blob disagree is a paste error.
  if (blobType(blob) !== type) return { ok: false, error: `the key data does not match its type "${type}"` };
  return { ok: true, value: { kind: 'key', type, blob, fingerprint: keyFingerprint(blob) } };
};

/** The canonical text of a pin, as profiles store it and agents read it: the key line without comment, or the fingerprint. */
export const formatHostKeyPin = (pin: HostKeyPin): string => (pin.kind === 'key' ? hostKeyLine(pin.blob) : pin.fingerprint);

/** Whether the host key a server presented (SSH wire-format blob) is the pinned one. */
export const hostKeyMatchesPin = (pin: HostKeyPin, presented: Uint8Array): boolean => {
  if (pin.kind === 'fingerprint') return keyFingerprint(presented) === pin.fingerprint;
  return presented.length === pin.blob.length && timingSafeEqual(presented, pin.blob);
};
