/** What went wrong, in classes a caller (and the CLI's exit code) can act on. */
export type ErrorKind =
  | 'usage' // the command line itself is wrong
  | 'invalid-input' // a file, option or value the user gave is wrong
  | 'not-found' // something named does not exist
  | 'conflict' // the request clashes with existing state (a name taken, a port in use)
  | 'unavailable' // a dependency did not answer (Docker host, tunnel server, cluster)
  | 'interrupted' // the user or a signal stopped the operation
  | 'internal'; // a bug: nothing the user did explains it

/** Exit codes per kind; stable, because CI scripts branch on them. */
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = Object.freeze({
  internal: 1,
  usage: 2,
  'invalid-input': 3,
  'not-found': 4,
  conflict: 5,
  unavailable: 6,
  interrupted: 130,
});

export interface PreevyErrorOptions {
  /** Stable machine-readable identifier, SCREAMING_SNAKE_CASE, e.g. `COMPOSE_FILE_NOT_FOUND`. */
  code: string;
  kind: ErrorKind;
  /** What the user can do about it, one action per line. */
  suggestions?: readonly string[];
  cause?: unknown;
}

/** A domain error with a remedy: every failure the user can act on is one of these. */
export class PreevyError extends Error {
  override readonly name = 'PreevyError';
  readonly code: string;
  readonly kind: ErrorKind;
  readonly suggestions: readonly string[];

  constructor(message: string, { code, kind, suggestions = [], cause }: PreevyErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.kind = kind;
    this.suggestions = suggestions;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** True for a PreevyError, also across duplicated module instances (checks the shape, not the prototype). */
export const isPreevyError = (err: unknown): err is PreevyError =>
  err instanceof PreevyError ||
  (err instanceof Error && err.name === 'PreevyError' && typeof (err as PreevyError).code === 'string');
