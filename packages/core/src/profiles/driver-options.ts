import { PreevyError } from '../errors/index.js';
import type { DriverOptions, DriverOptionValue } from './profile-schema.js';

const KEY = /^[a-z][a-z0-9-]*$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** Reads a command-line value: canonical `true`/`false` and numbers become typed, anything else stays a string. */
export const coerceOptionValue = (raw: string): DriverOptionValue => {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  // Only canonical numbers: "007" or "1e3" stay strings, so no value changes on a round trip.
  return NUMBER.test(raw) ? Number(raw) : raw;
};

/** Parses `key=value` assignments (e.g. repeated `--driver-option`) into driver options; all problems at once. */
export const parseDriverOptionAssignments = (assignments: readonly string[]): DriverOptions => {
  const options: DriverOptions = {};
  const problems: string[] = [];
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    const key = eq < 0 ? assignment : assignment.slice(0, eq);
    if (eq < 0) problems.push(`"${key}" has no "=VALUE"`);
    else if (!KEY.test(key)) problems.push(`"${key}" is not a valid option key`);
    else options[key] = coerceOptionValue(assignment.slice(eq + 1));
  }
  if (problems.length) {
    throw new PreevyError(`Invalid driver option: ${problems.join('; ')}.`, {
      code: 'DRIVER_OPTION_INVALID',
      kind: 'usage',
      suggestions: ['Write each option as KEY=VALUE, the key in lowercase letters, digits and hyphens, e.g. --driver-option namespace=previews.'],
    });
  }
  return options;
};
