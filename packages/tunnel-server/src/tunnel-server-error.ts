/** The error kinds a tunnel server failure can be; the same words as core's, so the CLI maps them one to one. */
export type TunnelServerErrorKind = 'invalid-input' | 'unavailable';

/**
 * A failure the operator can act on. The tunnel server cannot import core (peers stand only on
 * tunnel-protocol), so it mirrors core's error shape: `{ message, code, kind, suggestions, cause }`.
 */
export class TunnelServerError extends Error {
  override readonly name = 'TunnelServerError';
  readonly code: string;
  readonly kind: TunnelServerErrorKind;
  readonly suggestions: readonly string[];

  constructor(message: string, { code, kind = 'invalid-input', suggestions = [], cause }: { code: string; kind?: TunnelServerErrorKind; suggestions?: readonly string[]; cause?: unknown }) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.kind = kind;
    this.suggestions = suggestions;
  }
}
