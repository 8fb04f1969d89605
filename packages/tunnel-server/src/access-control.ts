import {
  envAudience,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  TOKEN_QUERY_PARAM,
  verifyShareToken,
  type TokenRejection,
} from '@preevy/tunnel-protocol';
import type { Tunnel } from './tunnel-registry.js';

export type AccessDecision =
  | { kind: 'allow' }
  /** A valid token came in the query: set it as a host-only cookie and redirect to the clean URL. */
  | { kind: 'exchange'; cookie: string; location: string }
  | { kind: 'deny'; reason: TokenRejection | 'no-credentials' | 'unsupported-key' };

export interface AccessRequest {
  /** The request target (path and query). */
  target: string;
  authorization: string | undefined;
  cookie: string | undefined;
}

export const sessionCookieName = (secure: boolean): string => (secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);

/** Values of one cookie in a Cookie header (there may be several with the same name). */
export const cookieValues = (header: string | undefined, name: string): string[] =>
  (header ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.startsWith(`${name}=`))
    .map((p) => p.slice(name.length + 1));

/** The Cookie header with our session cookie removed, so the origin never sees the token. */
export const stripSessionCookie = (header: string | undefined, name: string): string | undefined => {
  const kept = (header ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith(`${name}=`));
  return kept.length ? kept.join('; ') : undefined;
};

/**
 * The request target without our token parameter, as a path that can only point at this host:
 * leading slashes and backslashes (`//evil`, `/\\evil`: protocol-relative to a browser, an open
 * redirect) collapse to one `/`.
 */
export const cleanLocation = (target: string): string => {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  params.delete(TOKEN_QUERY_PARAM);
  const query = params.toString();
  return `/${rawPath.replace(/^[/\\]+/, '').replace(/[\r\n]/g, '')}${query ? `?${query}` : ''}`;
};

const bearer = (authorization: string | undefined): string | undefined => /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];

/** Decides whether a request may reach a private tunnel. Public tunnels never get here. */
export const decideAccess = (
  tunnel: Tunnel,
  req: AccessRequest,
  { secure, maxLifetime, now = Date.now }: { secure: boolean; maxLifetime: number; now?: () => number },
): AccessDecision => {
  const publicKey = tunnel.owner.publicKey;
  if (!publicKey) return { kind: 'deny', reason: 'unsupported-key' };
  const verify = (token: string) =>
    verifyShareToken(token, { publicKey, clientId: tunnel.clientId, audiences: [tunnel.label, envAudience(tunnel.envId)], maxLifetime, now });

  const q = req.target.indexOf('?');
  const queryToken = q < 0 ? null : new URLSearchParams(req.target.slice(q + 1)).get(TOKEN_QUERY_PARAM);
  if (queryToken) {
    const res = verify(queryToken);
    if (!res.ok) return { kind: 'deny', reason: res.reason };
    const maxAge = Math.max(0, res.claims.exp - Math.floor(now() / 1000));
    // No Domain attribute: the cookie stays on this one hostname, never on the shared base domain.
    const cookie = `${sessionCookieName(secure)}=${queryToken}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
    return { kind: 'exchange', cookie, location: cleanLocation(req.target) };
  }
  const candidates = [bearer(req.authorization), ...cookieValues(req.cookie, sessionCookieName(secure))].filter((t): t is string => Boolean(t));
  if (!candidates.length) return { kind: 'deny', reason: 'no-credentials' };
  let last: TokenRejection = 'malformed';
  for (const token of candidates) {
    const res = verify(token);
    if (res.ok) return { kind: 'allow' };
    last = res.reason;
  }
  return { kind: 'deny', reason: last };
};

/** True when the Authorization header carries a token (ours); other schemes pass to the origin untouched. */
export const isBearer = (authorization: string | undefined): boolean => bearer(authorization) !== undefined;
