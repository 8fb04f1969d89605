import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { envAudience, signShareToken, verifyShareToken } from './share-token.js';

describe('share tokens', () => {
  const alice = generateKeyPairSync('ed25519');
  const bob = generateKeyPairSync('ed25519');
  const now = () => 1_800_000_000_000;
  const sign = (over: Partial<Parameters<typeof signShareToken>[0]> = {}) =>
    signShareToken({ privateKey: alice.privateKey, clientId: 'alice', audience: envAudience('pr-1'), expiresIn: 3600, now, ...over });
  const verify = (token: string, over: Partial<Parameters<typeof verifyShareToken>[1]> = {}) =>
    verifyShareToken(token, { publicKey: alice.publicKey, clientId: 'alice', audiences: [envAudience('pr-1'), 'web-80-pr-1-alice'], maxLifetime: 86400, now, ...over });

  it('should accept a token signed by the client key for its audience', () => {
    expect(verify(sign())).toMatchObject({ ok: true, claims: { sub: 'alice', aud: 'env:pr-1', exp: 1_800_003_600 } });
    expect(verify(sign({ audience: 'web-80-pr-1-alice' })).ok).toBe(true);
  });

  it.each([
    ['expired', () => verify(sign(), { now: () => now() + 3_601_000 })],
    ['bad-signature', () => verify(sign({ privateKey: bob.privateKey }))],
    ['wrong-client', () => verify(sign({ clientId: 'mallory' }))],
    ['wrong-audience', () => verify(sign({ audience: envAudience('pr-2') }))],
    ['too-long-lived', () => verify(sign({ expiresIn: 86400 * 365 }))],
    ['issued-in-the-future', () => verify(sign({ now: () => now() + 10 * 365 * 86400_000 }))],
    ['issued-in-the-future', () => verify(sign({ now: () => now() + 61_000 }))],
    ['malformed', () => verify('a.b')],
    ['malformed', () => verify(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${sign().split('.')[1]}.`)],
  ] as const)('should reject with %s', (reason, run) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  it('should accept a token issued within the clock skew ahead of our clock', () => {
    expect(verify(sign({ now: () => now() + 59_000 })).ok).toBe(true);
  });

  it('should reject a token whose claims were edited after signing', () => {
    const [h, p, s] = sign().split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { exp: number };
    const edited = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 1000 })).toString('base64url');
    expect(verify(`${h}.${edited}.${s}`)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('should refuse to mint a token with no lifetime', () => {
    expect(() => sign({ expiresIn: 0 })).toThrow(/positive lifetime/);
  });
});
