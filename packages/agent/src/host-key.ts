import { timingSafeEqual } from 'node:crypto';
import { keyFingerprint } from '@preevy/tunnel-protocol';
import { AgentError } from './errors.js';

/** Checks the server's host key blob (SSH wire format) against what the operator pinned. */
export type HostKeyCheck = (hostKeyBlob: Buffer) => boolean;

/**
 * Parses the pinned host key: an OpenSSH public key line (`ssh-ed25519 AAAA... [comment]`, any
 * type) or its `SHA256:` fingerprint as `ssh-keygen -lf` prints it.
 */
export const parseHostKeyPin = (pin: string): HostKeyCheck => {
  const trimmed = pin.trim();
  if (trimmed.startsWith('SHA256:')) {
    const expected = trimmed.replace(/=+$/, '');
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(expected)) throw invalidPin('a SHA256 fingerprint has 43 base64 characters after "SHA256:"');
    return (blob) => keyFingerprint(blob) === expected;
  }
  const [type, b64] = trimmed.split(/\s+/);
  if (!type || !b64 || !/^[a-z0-9@.-]+$/.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw invalidPin('expected "ssh-ed25519 AAAA..." or "SHA256:..."');
  }
  const expected = Buffer.from(b64, 'base64');
  // The blob starts with the key type: a line whose type and blob disagree is a paste error.
  if (expected.length < 4 || expected.subarray(4, 4 + expected.readUInt32BE(0)).toString() !== type) {
    throw invalidPin(`the key data does not match its type "${type}"`);
  }
  return (blob) => blob.length === expected.length && timingSafeEqual(blob, expected);
};

const invalidPin = (why: string) =>
  new AgentError(`PREEVY_TUNNEL_HOST_KEY is not a valid host key: ${why}`, {
    code: 'INVALID_HOST_KEY',
    suggestions: ["Use the tunnel server's public host key line or the fingerprint from `ssh-keygen -lf <host key>.pub`."],
  });
