import { z } from 'zod';
import { PreevyError } from '../errors/index.js';
import { isProfileName } from './profile-name.js';
import { envRecordSchema, pinNeedsTunnelUrl, profileSettingsShape } from './profile-schema.js';
import { canonicalOpenSshText, parseEd25519PublicKeyLine, tunnelKeyPairFromPrivate } from './tunnel-key.js';
import { zodProblems } from './zod-problems.js';

/** The version of the export format this preevy writes and reads. */
export const PROFILE_EXPORT_FORMAT_VERSION = 1;

/** A self-contained profile file (for a CI secret): settings, the tunnel key pair, optionally environments. */
export const profileExportSchema = z.object({
  formatVersion: z.literal(PROFILE_EXPORT_FORMAT_VERSION),
  // The pin travels with the profile, so a CI runner checks the same server key as the laptop.
  profile: z.object({ name: z.string().refine(isProfileName, 'not a valid profile name'), ...profileSettingsShape }).refine(...pinNeedsTunnelUrl),
  privateKey: z.string(),
  publicKey: z.string(),
  envs: z.array(envRecordSchema).optional(),
});
/** A parsed, validated profile file. */
export type ProfileExport = z.infer<typeof profileExportSchema>;

const invalid = (source: string, detail: string): PreevyError =>
  new PreevyError(`${source} is not a valid preevy profile file: ${detail}`, {
    code: 'PROFILE_FILE_INVALID',
    kind: 'invalid-input',
    suggestions: ['Create the file again with `preevy profile export` (the whole file, unedited: a CI secret must keep its line breaks).'],
  });

/**
 * Checks a parsed document completely (schema, key pair, environment ids) and returns it typed,
 * the private key re-wrapped canonically.
 * Messages name `source` and the problem, never the key material.
 */
export const validateProfileExport = (value: unknown, source: string): ProfileExport => {
  const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > PROFILE_EXPORT_FORMAT_VERSION) {
    throw new PreevyError(`${source} has profile format version ${version}; this preevy reads version ${PROFILE_EXPORT_FORMAT_VERSION}.`, {
      code: 'PROFILE_FILE_TOO_NEW',
      kind: 'invalid-input',
      suggestions: ['Upgrade preevy to the version that exported the file.'],
    });
  }
  const parsed = profileExportSchema.safeParse(value);
  if (!parsed.success) throw invalid(source, zodProblems(parsed.error).join('; '));
  const doc = parsed.data;
  const derived = tunnelKeyPairFromPrivate(doc.privateKey, '', `The private key in ${source}`);
  const given = parseEd25519PublicKeyLine(doc.publicKey, `The public key in ${source}`);
  if (!given.equals(parseEd25519PublicKeyLine(derived.publicKey))) throw invalid(source, 'the public key does not belong to the private key');
  const ids = (doc.envs ?? []).map((e) => e.envId);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw invalid(source, `environment "${duplicate}" appears twice`);
  return { ...doc, privateKey: canonicalOpenSshText(doc.privateKey) };
};

/** Parses and validates the text of a profile file (see validateProfileExport). */
export const parseProfileExport = (text: string, source: string): ProfileExport => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // No cause: V8's message quotes the text around the error, which may be key material.
    throw invalid(source, 'it is not JSON');
  }
  return validateProfileExport(value, source);
};

/** The text of a profile file. */
export const serializeProfileExport = (doc: ProfileExport): string => `${JSON.stringify(doc, null, 2)}\n`;
