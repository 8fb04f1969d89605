import {
  envAudience,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  TOKEN_QUERY_PARAM,
  verifyShareToken,
  type TokenRejection,
} from '@preevy/tunnel-protocol';
import type { Tunnel } from './tunnel-registry.js';

/** Where the credential that let a request in came from ('none': a public tunnel); only a cookie rides along unasked (CSRF). */
export type CredentialSource = 'none' | 'bearer' | 'cookie';

export type AccessDecision =
  | { kind: 'allow'; via: CredentialSource }
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

/** The request target without our token parameter; the path and every other parameter stay as they were. */
export const withoutToken = (target: string): string => {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const params = new URLSearchParams(target.slice(q + 1));
  if (!params.has(TOKEN_QUERY_PARAM)) return target;
  params.delete(TOKEN_QUERY_PARAM);
  const query = params.toString();
  return `${target.slice(0, q)}${query ? `?${query}` : ''}`;
};

/**
 * The request target without our token parameter, as a path that can only point at this host:
 * leading slashes and backslashes (`//evil`, `/\\evil`: protocol-relative to a browser, an open
 * redirect) collapse to one `/`.
 */
export const cleanLocation = (target: string): string => `/${withoutToken(target).replace(/^[/\\]+/, '').replace(/[\r\n]/g, '')}`;

const bearer = (authorization: string | undefined): string | undefined => /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];

/** Decides whether a request may reach a private tunnel. Public tunnels never get here. */
export const decideAccess = (
  tunnel: Tunnel,
  req: AccessRequest,
  { secure, maxLifetime, clockSkew, now = Date.now }: { secure: boolean; maxLifetime: number; clockSkew: number; now?: () => number },
): AccessDecision => {
  const publicKey = tunnel.owner.publicKey;
  if (!publicKey) return { kind: 'deny', reason: 'unsupported-key' };
  const verify = (token: string) =>
    verifyShareToken(token, { publicKey, clientId: tunnel.clientId, audiences: [tunnel.label, envAudience(tunnel.envId)], maxLifetime, clockSkew, now });

  const q = req.target.indexOf('?');
  const queryToken = q < 0 ? null : new URLSearchParams(req.target.slice(q + 1)).get(TOKEN_QUERY_PARAM);
  if (queryToken) {
    const res = verify(queryToken);
    if (!res.ok) return { kind: 'deny', reason: res.reason };
    // The token's remaining life, never more than the longest lifetime we accept.
    const maxAge = Math.max(0, Math.min(res.claims.exp - Math.floor(now() / 1000), maxLifetime));
    // No Domain attribute: the cookie stays on this one hostname, never on the shared base domain.
    const cookie = `${sessionCookieName(secure)}=${queryToken}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
    return { kind: 'exchange', cookie, location: cleanLocation(req.target) };
  }
  const fromBearer = bearer(req.authorization);
  const candidates: Array<[string, CredentialSource]> = [
    ...(fromBearer ? [[fromBearer, 'bearer'] as [string, CredentialSource]] : []),
    ...cookieValues(req.cookie, sessionCookieName(secure)).filter(Boolean).map((t): [string, CredentialSource] => [t, 'cookie']),
  ];
  if (!candidates.length) return { kind: 'deny', reason: 'no-credentials' };
  let last: TokenRejection = 'malformed';
  for (const [token, via] of candidates) {
    const res = verify(token);
    if (res.ok) return { kind: 'allow', via };
    last = res.reason;
  }
  return { kind: 'deny', reason: last };
};

/** True when the Authorization header carries a token (ours); other schemes pass to the origin untouched. */
export const isBearer = (authorization: string | undefined): boolean => bearer(authorization) !== undefined;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when a request that rides the session cookie comes from another site's page and could act
 * for the visitor: a WebSocket upgrade or a state-changing method. Every tenant shares one base
 * domain, so another tenant's page is "same-site" and SameSite=Lax cookies still go out: only the
 * exact origin counts. A top-level navigation (a safe method) stays allowed, so links work.
 */
export const isCrossOriginAction = (
  req: { method: string; upgrade: boolean; origin: string | undefined; fetchSite: string | undefined; host: string | undefined },
  secure: boolean,
): boolean => {
  if (!req.upgrade && SAFE_METHODS.has(req.method)) return false;
  if (req.origin !== undefined) return req.origin.toLowerCase() !== `${secure ? 'https' : 'http'}://${(req.host ?? '').toLowerCase()}`;
  return req.fetchSite !== undefined && req.fetchSite !== 'same-origin' && req.fetchSite !== 'none';
};

/**
 * A service's Set-Cookie without its Domain attribute: on a shared base domain, a cookie set for
 * the parent domain would reach every other tenant (cookie tossing). Host-only is what stays.
 */
export const hostOnlySetCookie = (value: string): string =>
  value
    .split(';')
    .filter((part, i) => i === 0 || !/^\s*domain\s*=/i.test(part))
    .join(';');
