import { sanitizeLabel, shortHash } from './dns-label.js';

/**
 * The one environment id rule, for every command, the agent and the server: an id is a DNS label
 * of at most 40 characters, so a tunnel hostname still fits service, port and client id in 63.
 */
export const MAX_ENV_ID_LENGTH = 40;

export const ENV_ID_RULE = `lowercase letters, digits and inner hyphens, at most ${MAX_ENV_ID_LENGTH} characters`;

/** Makes any text an env id: sanitised to a DNS label, hash-shortened (never cut blindly) when longer than `max`. */
export const normalizeEnvId = (raw: string, max = MAX_ENV_ID_LENGTH): string => {
  const clean = sanitizeLabel(raw);
  if (clean && clean.length <= max) return clean;
  const hash = shortHash(raw, 6);
  return `${clean.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`.replace(/^-/, '');
};

/** True for an id that is already normal: what crosses a process boundary must be. */
export const isEnvId = (id: string): boolean => id.length > 0 && normalizeEnvId(id) === id;

/**
 * What a user typed (`--id My_Feature`) as an env id, or why it cannot be one: text without a
 * letter or digit would name nothing but a hash.
 */
export const envIdOfInput = (raw: string): { ok: true; id: string } | { ok: false; error: string } =>
  sanitizeLabel(raw) === '' ? { ok: false, error: `the environment id ${JSON.stringify(raw)} has no letters or digits, so it cannot name a URL` } : { ok: true, id: normalizeEnvId(raw) };
