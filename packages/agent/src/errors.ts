/**
 * A failure the operator can act on. The agent cannot import core (peers stand only on
 * tunnel-protocol), so it mirrors core's error shape: `{ message, code, suggestions, cause }`.
 */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  readonly code: string;
  readonly suggestions: readonly string[];

  constructor(message: string, { code, suggestions = [], cause }: { code: string; suggestions?: readonly string[]; cause?: unknown }) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.suggestions = suggestions;
  }
}

/** A short, log-friendly description of anything thrown. */
export const describeError = (err: unknown): string => (err instanceof Error ? err.message : String(err));
