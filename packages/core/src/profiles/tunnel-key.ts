import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  authorizedKeyLine,
  clientIdFromKey,
  ed25519KeyFromSshBlob,
  encodeOpenSshEd25519,
  generateOpenSshEd25519,
  OPENSSH_PRIVATE_KEY_BEGIN,
  OPENSSH_PRIVATE_KEY_END,
  sshBlobFromEd25519Key,
} from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/index.js';

/** A profile's tunnel identity: the ed25519 key pair and the client id the tunnel server derives from it. */
export interface TunnelKeyPair {
  /** OpenSSH `-----BEGIN OPENSSH PRIVATE KEY-----` text, readable by ssh2 and stock OpenSSH. */
  privateKey: string;
  /** `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
  clientId: string;
}

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const KEY_TYPE = 'ssh-ed25519';
const BEGIN = OPENSSH_PRIVATE_KEY_BEGIN;
const END = OPENSSH_PRIVATE_KEY_END;

/** Reads SSH wire-format fields in order; any overrun is a malformed key. */
class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  uint32(): number {
    if (this.offset + 4 > this.buf.length) throw new Error('truncated');
    const n = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return n;
  }
  string(): Buffer {
    const len = this.uint32();
    if (this.offset + len > this.buf.length) throw new Error('truncated');
    const value = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len;
    return value;
  }
  rest(): Buffer {
    return this.buf.subarray(this.offset);
  }
}

const invalidKey = (reason: string, source: string): PreevyError =>
  // Never echo the key text: it is a secret.
  new PreevyError(`${source} is not a usable tunnel key: ${reason}.`, {
    code: 'TUNNEL_KEY_INVALID',
    kind: 'invalid-input',
    suggestions: ['The tunnel key must be an unencrypted ed25519 key in OpenSSH format (`ssh-keygen -t ed25519 -N ""`).'],
  });

/**
 * The key text in canonical armor (70-column base64 lines, final newline). CI secrets often lose
 * line breaks; OpenSSH refuses such a file, so what we store is always re-wrapped.
 */
export const canonicalOpenSshText = (text: string): string => {
  const trimmed = text.trim();
  if (!trimmed.startsWith(BEGIN) || !trimmed.endsWith(END)) return text;
  const lines = trimmed.slice(BEGIN.length, -END.length).replace(/\s+/g, '').match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
};

/** Parses an unencrypted OpenSSH ed25519 private key; throws TUNNEL_KEY_INVALID (naming `source`, never the key) otherwise. */
export const decodeOpenSshEd25519 = (text: string, source = 'The private key'): KeyObject => {
  const trimmed = text.trim();
  if (!trimmed.startsWith(BEGIN) || !trimmed.endsWith(END)) throw invalidKey('not an OpenSSH private key', source);
  const body = Buffer.from(trimmed.slice(BEGIN.length, -END.length).replace(/\s+/g, ''), 'base64');
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) throw invalidKey('not an OpenSSH private key', source);
  try {
    const r = new Reader(body.subarray(MAGIC.length));
    const cipher = r.string().toString();
    r.string(); // kdf name
    r.string(); // kdf options
    if (cipher !== 'none') throw invalidKey('it is protected by a passphrase', source);
    if (r.uint32() !== 1) throw invalidKey('it must hold exactly one key', source);
    const publicBlob = r.string();
    const priv = new Reader(r.string());
    if (priv.uint32() !== priv.uint32()) throw invalidKey('its check bytes do not match', source);
    if (priv.string().toString() !== KEY_TYPE) throw invalidKey('it is not an ed25519 key', source);
    const pub = priv.string();
    const secret = priv.string();
    if (pub.length !== 32 || secret.length !== 64 || !secret.subarray(32).equals(pub)) throw invalidKey('its key data is malformed', source);
    const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: secret.subarray(0, 32).toString('base64url'), x: pub.toString('base64url') }, format: 'jwk' });
    // The public half is stored twice; a key whose halves disagree would sign as someone else.
    if (!sshBlobFromEd25519Key(createPublicKey(key)).equals(publicBlob)) throw invalidKey('its public and private parts do not match', source);
    return key;
  } catch (err) {
    if (err instanceof PreevyError) throw err;
    throw invalidKey('its key data is malformed', source);
  }
};

/** Parses an `ssh-ed25519 AAAA... [comment]` line into its SSH wire blob; throws TUNNEL_KEY_INVALID otherwise. */
export const parseEd25519PublicKeyLine = (line: string, source = 'The public key'): Buffer => {
  const [type, data] = line.trim().split(/\s+/);
  const blob = Buffer.from(data ?? '', 'base64');
  if (type !== KEY_TYPE || !ed25519KeyFromSshBlob(blob)) throw invalidKey('not an ssh-ed25519 public key line', source);
  return blob;
};

/** The public line and client id of a private key, so both always derive from the one secret. */
export const tunnelKeyPairFromPrivate = (privateKey: string, comment = '', source?: string): TunnelKeyPair => {
  const key = decodeOpenSshEd25519(privateKey, source);
  const publicKey = createPublicKey(key);
  return { privateKey, publicKey: authorizedKeyLine(publicKey, comment), clientId: clientIdFromKey(sshBlobFromEd25519Key(publicKey)) };
};

/** A fresh ed25519 tunnel key pair. */
export const generateTunnelKeyPair = (comment = ''): TunnelKeyPair => tunnelKeyPairFromPrivate(generateOpenSshEd25519(comment).openssh, comment);

/** Re-exported for callers that hold a KeyObject; the one encoder lives in tunnel-protocol. */
export { encodeOpenSshEd25519 };
