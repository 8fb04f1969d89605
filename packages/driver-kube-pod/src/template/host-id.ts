import { createHash, randomInt } from 'node:crypto';

/**
 * Leaves 10 characters of a 63-character DNS label for names derived from the id (the shipped
 * templates name the claim `<id>-docker`).
 */
export const MAX_HOST_ID_LENGTH = 53;
const SUFFIX_LENGTH = 6;
const HASH_LENGTH = 8;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

const randomSuffix = (): string => Array.from({ length: SUFFIX_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

const sanitize = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');

/**
 * The name of a new docker host of environment `envId`: a DNS-1123 label of at most 53 characters,
 * `<env id>-<6 random [a-z0-9]>`. The random part keeps a host recreated for the same env from
 * clashing with one still terminating. A long env id keeps a prefix plus a sha256 of the whole, so
 * two long ids with the same prefix still differ. Pure when `random` (the suffix) is given.
 */
export const hostId = (envId: string, random: () => string = randomSuffix): string => {
  const room = MAX_HOST_ID_LENGTH - SUFFIX_LENGTH - 1;
  const clean = sanitize(envId);
  const base =
    clean.length > 0 && clean.length <= room
      ? clean
      : [clean.slice(0, room - HASH_LENGTH - 1).replace(/-+$/, ''), createHash('sha256').update(envId).digest('hex').slice(0, HASH_LENGTH)]
          .filter(Boolean)
          .join('-');
  return `${base}-${random()}`;
};
