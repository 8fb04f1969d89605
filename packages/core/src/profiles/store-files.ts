import type * as nodeFs from 'node:fs/promises';
import type { z } from 'zod';
import { profileDataCorrupt } from './profile-errors.js';
import { zodProblems } from './zod-problems.js';

/** The file operations the local stores use (node:fs/promises by default). */
export type ProfileStoreFs = Pick<typeof nodeFs, 'open' | 'rename' | 'rm' | 'readFile' | 'readdir' | 'mkdir' | 'stat'>;

export const isEnoent = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/** How the stores write JSON: indented, so a user can read and repair the file by hand. */
export const toJsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export const pathExists = async (fs: Pick<ProfileStoreFs, 'stat'>, path: string): Promise<boolean> =>
  fs.stat(path).then(
    () => true,
    (err: unknown) => {
      if (isEnoent(err)) return false;
      throw err;
    },
  );

/** The file's content checked against `schema`; undefined when it is missing, PROFILE_DATA_CORRUPT (with `repair`) when unusable. */
export const readJsonFile = async <T>(fs: Pick<ProfileStoreFs, 'readFile'>, path: string, schema: z.ZodType<T>, repair: readonly string[]): Promise<T | undefined> => {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    if (isEnoent(err)) return undefined;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw profileDataCorrupt(path, 'it is not valid JSON', repair);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw profileDataCorrupt(path, zodProblems(parsed.error).join('; '), repair);
  return parsed.data;
};
