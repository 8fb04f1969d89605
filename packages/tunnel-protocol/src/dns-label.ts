import { createHash } from 'node:crypto';

/** RFC 1035: a DNS label is at most 63 octets. */
export const MAX_DNS_LABEL = 63;
const HASH_LENGTH = 8;

/** A short, DNS-safe digest: lowercase base32 of SHA-256. */
export const shortHash = (input: string, length = HASH_LENGTH): string => base32(createHash('sha256').update(input).digest()).slice(0, length);

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** Lowercase RFC 4648 base32 without padding: only [a-z2-7], so always DNS-safe. */
export const base32 = (buf: Uint8Array): string => {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
};

/** Lowercase, `[a-z0-9-]` only, no leading, trailing or repeated hyphens. May be empty. */
export const sanitizeLabel = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');

/**
 * Makes `s` a DNS label of at most `max` characters. Too long: cut and suffixed with a hash of the
 * whole input, so two long inputs sharing a prefix still get different labels (never cut blindly).
 */
export const toDnsLabel = (s: string, max = MAX_DNS_LABEL): string => {
  const clean = sanitizeLabel(s);
  if (clean.length > 0 && clean.length <= max) return clean;
  const hash = shortHash(s);
  const keep = max - hash.length - 1;
  const prefix = clean.slice(0, keep).replace(/-+$/, '');
  return prefix ? `${prefix}-${hash}` : hash;
};

/** True when `s` is a valid lowercase DNS label. */
export const isDnsLabel = (s: string): boolean => s.length > 0 && s.length <= MAX_DNS_LABEL && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s);
