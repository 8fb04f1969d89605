import { envAudience, signShareToken, TOKEN_QUERY_PARAM } from '@preevy/tunnel-protocol';
import type { Profile } from '../profiles/profile-store.js';
import { decodeOpenSshEd25519 } from '../profiles/tunnel-key.js';

/**
 * A share token for every private URL of one environment, signed with the profile's tunnel key:
 * the tunnel server checks it against the key's client id. `up` probes with it, `urls` hands it out.
 */
export const envShareToken = ({ privateKeyText, profile, envId, expiresInSeconds }: { privateKeyText: string; profile: Pick<Profile, 'name' | 'clientId'>; envId: string; expiresInSeconds: number }): string =>
  signShareToken({
    privateKey: decodeOpenSshEd25519(privateKeyText, `profile ${profile.name}'s tunnel key`),
    clientId: profile.clientId,
    audience: envAudience(envId),
    expiresIn: expiresInSeconds,
  });

/** The URL a visitor opens with the token: the server sets its session cookie and drops the token from the address. */
export const withShareToken = (url: string, token: string): string => {
  const u = new URL(url);
  u.searchParams.set(TOKEN_QUERY_PARAM, token);
  return u.href;
};
