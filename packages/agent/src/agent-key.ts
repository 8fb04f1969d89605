import { createPrivateKey, createPublicKey } from 'node:crypto';
import { sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import ssh2, { type ParsedKey } from 'ssh2';
import { AgentError, describeError } from './errors.js';

const sshString = (b: Buffer): Buffer => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

/**
 * An Ed25519 key in OpenSSH's private key format (unencrypted). ssh2 reads OpenSSH and legacy
 * PEM keys but not PKCS8, which is what Node's crypto (and so the CLI) writes by default.
 */
const ed25519ToOpenSsh = (pem: string): Buffer => {
  const key = createPrivateKey(pem);
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new TypeError(`only Ed25519 keys can be converted from PKCS8, not ${key.asymmetricKeyType ?? 'unknown'}`);
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const blob = sshBlobFromEd25519Key(createPublicKey(key));
  // The check integers only detect a wrong passphrase; with no encryption any equal pair will do.
  const check = Buffer.alloc(8);
  seed.copy(check, 0, 0, 4);
  seed.copy(check, 4, 0, 4);
  let priv = Buffer.concat([check, sshString(Buffer.from('ssh-ed25519')), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(Buffer.alloc(0))]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')),
    sshString(Buffer.from('none')),
    sshString(Buffer.alloc(0)),
    Buffer.from([0, 0, 0, 1]),
    sshString(blob),
    sshString(priv),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return Buffer.from(`-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`);
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
