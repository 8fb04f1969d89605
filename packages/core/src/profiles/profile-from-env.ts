import { readFile as nodeReadFile } from 'node:fs/promises';
import { PreevyError } from '../errors/index.js';
import { parseProfileExport } from './profile-export.js';
import type { Profile, ProfileStore } from './profile-store.js';
import { parseEd25519PublicKeyLine } from './tunnel-key.js';

/** The environment variable naming a profile file (from `preevy profile export`) to load, e.g. a CI secret written to disk. */
export const PROFILE_FILE_ENV = 'PREEVY_PROFILE_FILE';

/** Inputs of importProfileFromEnv; the file system and environment are parameters for tests. */
export interface ProfileFromEnvOptions {
  store: ProfileStore;
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => Promise<string>;
  /** The name to import under; default: the name in the file. */
  name?: string;
}

/**
 * Imports the profile file named by PREEVY_PROFILE_FILE, if set, and returns that profile.
 * Idempotent: a profile of that name with the same key is reused as is (a CI job may run
 * several commands); one with another key is a conflict, never silently replaced.
 */
export const importProfileFromEnv = async ({ store, env = process.env, readFile = (p) => nodeReadFile(p, 'utf8'), name }: ProfileFromEnvOptions): Promise<Profile | undefined> => {
  const path = env[PROFILE_FILE_ENV];
  if (!path) return undefined;
  const text = await readFile(path).catch((err: unknown) => {
    throw new PreevyError(`Cannot read the profile file ${path} (from ${PROFILE_FILE_ENV}).`, {
      code: 'PROFILE_FILE_UNREADABLE',
      kind: 'invalid-input',
      suggestions: [`Point ${PROFILE_FILE_ENV} at a file written by \`preevy profile export\`, or unset it.`],
      cause: err,
    });
  });
  const doc = parseProfileExport(text, `${path} (from ${PROFILE_FILE_ENV})`);
  const target = name ?? doc.profile.name;
  const existing = await store.get(target).catch((err: unknown) => {
    if (err instanceof PreevyError && err.code === 'PROFILE_NOT_FOUND') return undefined;
    throw err;
  });
  if (!existing) return store.importProfile(doc, { name: target });
  if (parseEd25519PublicKeyLine(existing.publicKey).equals(parseEd25519PublicKeyLine(doc.publicKey))) return existing;
  throw new PreevyError(`Profile "${target}" already exists with another tunnel key than ${path} (from ${PROFILE_FILE_ENV}).`, {
    code: 'PROFILE_EXISTS',
    kind: 'conflict',
    suggestions: [`Replace it with \`preevy profile import ${path} --name ${target} --force\`, or select another name with --profile.`],
  });
};
