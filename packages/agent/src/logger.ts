/**
 * The logging the agent's modules need. pino's logger satisfies it; tests pass `silentLogger`.
 * Fields come first (pino's convention) so every line stays structured JSON.
 */
export interface AgentLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const noop = (): void => {};
export const silentLogger: AgentLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
