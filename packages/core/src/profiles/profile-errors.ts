import { PreevyError } from '../errors/index.js';

/** A store file that exists but cannot be used; `suggestions` say how to repair it. */
export const profileDataCorrupt = (path: string, detail: string, suggestions: readonly string[]): PreevyError =>
  new PreevyError(`${path} is corrupted: ${detail}`, { code: 'PROFILE_DATA_CORRUPT', kind: 'invalid-input', suggestions });

/** The profile named does not exist. */
export const profileNotFound = (name: string): PreevyError =>
  new PreevyError(`Profile "${name}" does not exist.`, {
    code: 'PROFILE_NOT_FOUND',
    kind: 'not-found',
    suggestions: ['List the profiles with `preevy profile ls`.', `Create it with \`preevy profile create ${name}\`, or import it with \`preevy profile import FILE --name ${name}\`.`],
  });
