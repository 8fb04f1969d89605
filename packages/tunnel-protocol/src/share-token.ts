import { sign, verify, type KeyObject } from 'node:crypto';

/**
 * Share tokens: compact JWTs (alg EdDSA) signed by the client's own tunnel key, so the CLI mints
 * links offline and the tunnel server checks them against the public key the client registered.
 */

/** Query parameter that carries a token once; the server swaps it for a host-only cookie. */
export const TOKEN_QUERY_PARAM = 'preevy_token';
/** Cookie name over plain HTTP; over HTTPS the `__Host-` prefixed name pins it to one host. */
export const SESSION_COOKIE = 'preevy_session';
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

const ISSUER = 'preevy';
const ENV_AUDIENCE_PREFIX = 'env:';

export interface ShareTokenClaims {
  iss: typeof ISSUER;
  /** The client id whose key signed the token. */
  sub: string;
  /** `env:{envId}` for every service of an environment, or one tunnel label. */
  aud: string;
  iat: number;
  exp: number;
}

/** Audience of a token valid for every service of an environment. */
export const envAudience = (envId: string): string => `${ENV_AUDIENCE_PREFIX}${envId}`;

const b64json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const HEADER = b64json({ alg: 'EdDSA', typ: 'JWT' });

export interface SignShareTokenOptions {
  privateKey: KeyObject;
  clientId: string;
  audience: string;
  /** Lifetime in seconds. */
  expiresIn: number;
  now?: () => number;
}

export const signShareToken = ({ privateKey, clientId, audience, expiresIn, now = Date.now }: SignShareTokenOptions): string => {
  if (!(expiresIn > 0)) throw new RangeError('a share token needs a positive lifetime');
  const iat = Math.floor(now() / 1000);
  const payload = b64json({ iss: ISSUER, sub: clientId, aud: audience, iat, exp: iat + Math.ceil(expiresIn) } satisfies ShareTokenClaims);
  const signature = sign(null, Buffer.from(`${HEADER}.${payload}`), privateKey).toString('base64url');
  return `${HEADER}.${payload}.${signature}`;
};

export type TokenRejection = 'malformed' | 'bad-signature' | 'expired' | 'wrong-client' | 'wrong-audience' | 'too-long-lived' | 'issued-in-the-future';
export type VerifyResult = { ok: true; claims: ShareTokenClaims } | { ok: false; reason: TokenRejection };

export interface VerifyShareTokenOptions {
  publicKey: KeyObject;
  clientId: string;
  /** Audiences this request may be served under (the tunnel's label and its `env:` audience). */
  audiences: readonly string[];
  /** Longest lifetime accepted, in seconds, so a leaked token cannot live forever. */
  maxLifetime: number;
  /** How far ahead of our clock `iat` may be (seconds): beyond it the lifetime cap would mean nothing. */
  clockSkew?: number;
  now?: () => number;
}

const isClaims = (v: unknown): v is ShareTokenClaims => {
  const c = v as Partial<ShareTokenClaims> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    c.iss === ISSUER &&
    typeof c.sub === 'string' &&
    typeof c.aud === 'string' &&
    Number.isInteger(c.iat) &&
    Number.isInteger(c.exp)
  );
};

export const verifyShareToken = (token: string, { publicKey, clientId, audiences, maxLifetime, clockSkew = 60, now = Date.now }: VerifyShareTokenOptions): VerifyResult => {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 4096) return { ok: false, reason: 'malformed' };
  const [header = '', payload = '', signature = ''] = parts;
  if (header !== HEADER) return { ok: false, reason: 'malformed' }; // pins alg: no "none", no HMAC confusion
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  let valid = false;
  try {
    valid = verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad-signature' };
  if (claims.sub !== clientId) return { ok: false, reason: 'wrong-client' };
  if (!audiences.includes(claims.aud)) return { ok: false, reason: 'wrong-audience' };
  const nowSeconds = Math.floor(now() / 1000);
  if (claims.iat > nowSeconds + clockSkew) return { ok: false, reason: 'issued-in-the-future' };
  if (claims.exp - claims.iat > maxLifetime) return { ok: false, reason: 'too-long-lived' };
  if (claims.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
};
