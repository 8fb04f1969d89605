export { EXIT_CODES, PreevyError, isPreevyError } from './preevy-error.js';
export type { ErrorKind, PreevyErrorOptions } from './preevy-error.js';
