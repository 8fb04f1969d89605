import { Errors } from '@oclif/core';
import { EXIT_CODES, isPreevyError } from '@preevy/core';

/** What the top-level handler prints for a failure, as text or as `--json`. */
export interface ErrorReport {
  code: string;
  message: string;
  suggestions: readonly string[];
  /** Messages of the `cause` chain, outermost first. */
  causes: readonly string[];
  exitCode: number;
  stack?: string;
}

const MAX_CAUSES = 8;

const causeMessages = (err: unknown): string[] => {
  const messages: string[] = [];
  let cause = err instanceof Error ? err.cause : undefined;
  while (cause !== undefined && messages.length < MAX_CAUSES) {
    messages.push(cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : JSON.stringify(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return messages;
};

const isDeliberateExit = (err: unknown): err is Errors.ExitError =>
  err instanceof Errors.ExitError || (err instanceof Error && (err as { code?: unknown }).code === 'EEXIT');

/** A flag's own parse or check failed (e.g. a missing `Flags.file`): oclif rethrows it as a plain Error with this prefix. */
const isFlagParseError = (err: unknown): boolean => err instanceof Error && /^Parsing --[\w-]+ \n\t/.test(err.message);

const oclifExit = (err: unknown): number | undefined => {
  const exit = (err as { oclif?: { exit?: unknown } } | undefined)?.oclif?.exit;
  return typeof exit === 'number' ? exit : undefined;
};

/**
 * Maps any thrown value to what the user sees. `undefined` means a deliberate, silent exit
 * (its code is in `silentExitCode`).
 */
export const toErrorReport = (err: unknown, { debug }: { debug: boolean }): ErrorReport | undefined => {
  if (isDeliberateExit(err)) return undefined;
  const stack = debug && err instanceof Error && err.stack ? { stack: err.stack } : {};
  const causes = causeMessages(err);

  if (isPreevyError(err)) {
    return { code: err.code, message: err.message, suggestions: err.suggestions, causes, exitCode: err.exitCode, ...stack };
  }
  const exit = oclifExit(err);
  if (err instanceof Errors.CLIError || exit !== undefined || isFlagParseError(err)) {
    // oclif raises these for parse errors and unknown commands: the command line is wrong.
    const cliErr = err as Errors.CLIError;
    return {
      code: exit === EXIT_CODES.usage || exit === undefined ? 'USAGE' : (cliErr.code ?? 'CLI_ERROR'),
      message: cliErr.message.replace(/\n+See more help with --help$/, ''),
      suggestions: cliErr.suggestions?.length ? cliErr.suggestions : ['Run `preevy --help`, or `preevy COMMAND --help`, to see what is accepted.'],
      causes,
      exitCode: exit ?? EXIT_CODES.usage,
      ...stack,
    };
  }
  return {
    code: 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
    suggestions: debug ? ['This is a bug in preevy: please report it with the output above.'] : ['Run again with --debug to see the stack trace, and report it if it persists.'],
    causes,
    exitCode: EXIT_CODES.internal,
    ...stack,
  };
};

/** The exit code of a deliberate exit (`this.exit(n)`), for which nothing is printed. */
export const silentExitCode = (err: unknown): number => oclifExit(err) ?? 0;

/** Human-readable rendering for stderr. */
export const formatErrorText = (r: ErrorReport): string => {
  const lines = [`Error: ${r.message}`, `  Code: ${r.code}`];
  for (const cause of r.causes) lines.push(`  Caused by: ${cause}`);
  if (r.suggestions.length) lines.push('  Try this:', ...r.suggestions.map((s) => `    - ${s}`));
  if (r.stack) lines.push('', r.stack);
  return `${lines.join('\n')}\n`;
};

/** Machine-readable rendering for stdout under `--json`. */
export const formatErrorJson = (r: ErrorReport): string => `${JSON.stringify({ status: 'error', error: r }, null, 2)}\n`;
