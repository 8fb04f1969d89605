export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay ever exceeds this. */
  capMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 250, capMs: 15_000 });

/** The upper bound of the delay before retry number `attempt` (0-based): `min(cap, base * 2^attempt)`. */
export const backoffCeiling = (attempt: number, { baseMs, capMs }: BackoffOptions = DEFAULT_BACKOFF): number =>
  // Clamp the exponent so a long outage never overflows to Infinity.
  Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, Math.floor(attempt)), 30));

/**
 * Exponential backoff with full jitter: a uniform delay in [0, ceiling). Full jitter spreads the
 * reconnects of many agents after a tunnel-server restart instead of having them arrive in waves.
 * `random` returns a number in [0, 1), like Math.random.
 */
export const backoffDelay = (attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number =>
  Math.floor(Math.min(Math.max(random(), 0), 0.999_999) * backoffCeiling(attempt, options));
