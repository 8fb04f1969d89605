import { PreevyError } from '../errors/index.js';

// A DNS label that starts with a letter: safe as a directory name, in a hostname or a resource tag.
const PROFILE_NAME = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** True when `name` is a valid profile name (lowercase DNS label starting with a letter, at most 63 characters). */
export const isProfileName = (name: string): boolean => PROFILE_NAME.test(name);

/** Returns `name` when it is a valid profile name, else throws PROFILE_NAME_INVALID. */
export const validateProfileName = (name: string): string => {
  if (isProfileName(name)) return name;
  throw new PreevyError(`Invalid profile name "${name}".`, {
    code: 'PROFILE_NAME_INVALID',
    kind: 'invalid-input',
    suggestions: ['Use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (at most 63 characters), e.g. "ci" or "team-eu".'],
  });
};
