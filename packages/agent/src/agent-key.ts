import { createPrivateKey } from 'node:crypto';
import { encodeOpenSshEd25519 } from '@preevy/tunnel-protocol';
import ssh2, { type ParsedKey } from 'ssh2';
import { AgentError, describeError } from './errors.js';

/**
 * ssh2 reads OpenSSH and legacy PEM keys but not PKCS8, which is what Node's crypto writes by
 * default: such an Ed25519 key is re-encoded with the one OpenSSH encoder (tunnel-protocol).
 */
const ed25519ToOpenSsh = (pem: string): Buffer => {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`only Ed25519 keys can be converted from PKCS8, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return Buffer.from(encodeOpenSshEd25519(key));
};

/**
 * The agent's private key as ssh2 accepts it. Takes OpenSSH or PEM text (PKCS8 Ed25519 is
 * converted). Errors name `source` (the variable it came from) and never echo key material.
 */
export const loadAgentKey = (raw: Buffer | string, source: string): Buffer => {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  const invalid = (why: string, cause?: unknown) =>
    new AgentError(`${source} does not hold a usable private key: ${why}`, {
      code: 'INVALID_AGENT_KEY',
      suggestions: ['Give the Ed25519 private key of the tunnel profile, in OpenSSH or PKCS8 PEM format, without a passphrase.'],
      cause,
    });
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) throw invalid('no "-----BEGIN ... PRIVATE KEY-----" block found');
  const parsed: ParsedKey | ParsedKey[] | Error = ssh2.utils.parseKey(text);
  if (!(parsed instanceof Error)) {
    const keys: ParsedKey[] = Array.isArray(parsed) ? parsed : [parsed];
    const key = keys[0];
    if (key?.isPrivateKey()) return Buffer.from(text);
    throw invalid('it is not a private key');
  }
  if (/BEGIN PRIVATE KEY/.test(text)) {
    try {
      return ed25519ToOpenSsh(text);
    } catch (err) {
      throw invalid(describeError(err), err);
    }
  }
  // ssh2's reason (e.g. "Encrypted private OpenSSH key detected, but no passphrase given") holds no key bytes.
  throw invalid(parsed.message);
};
