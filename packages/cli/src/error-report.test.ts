import { Errors } from '@oclif/core';
import { PreevyError } from '@preevy/core';
import { describe, expect, it } from 'vitest';
import { formatErrorJson, formatErrorText, silentExitCode, toErrorReport } from './error-report.js';

const domainError = (): PreevyError =>
  new PreevyError('Docker host did not answer', {
    code: 'DOCKER_UNREACHABLE',
    kind: 'unavailable',
    suggestions: ['Start the Docker engine'],
    cause: new Error('connect ECONNREFUSED', { cause: 'socket closed' }),
  });

describe('toErrorReport', () => {
  it('should map a PreevyError to its code, remedy, cause chain and exit code', () => {
    expect(toErrorReport(domainError(), { debug: false })).toEqual({
      code: 'DOCKER_UNREACHABLE',
      message: 'Docker host did not answer',
      suggestions: ['Start the Docker engine'],
      causes: ['connect ECONNREFUSED', 'socket closed'],
      exitCode: 6,
    });
  });

  it('should include the stack only with --debug', () => {
    expect(toErrorReport(domainError(), { debug: false })?.stack).toBeUndefined();
    expect(toErrorReport(domainError(), { debug: true })?.stack).toContain('Docker host did not answer');
  });

  it('should report oclif parse errors as usage errors with exit code 2', () => {
    const report = toErrorReport(new Errors.CLIError('Nonexistent flag: --bogus\nSee more help with --help', { exit: 2 }), { debug: false });
    expect(report).toMatchObject({ code: 'USAGE', message: 'Nonexistent flag: --bogus', exitCode: 2 });
    expect(report?.suggestions[0]).toMatch(/--help/);
  });

  it('should report an unexpected error as INTERNAL with a hint to use --debug', () => {
    const report = toErrorReport(new TypeError('x is undefined'), { debug: false });
    expect(report).toMatchObject({ code: 'INTERNAL', exitCode: 1, message: 'x is undefined' });
    expect(report?.suggestions.join()).toContain('--debug');
  });

  it('should print nothing for a deliberate exit and keep its code', () => {
    const exit = new Errors.ExitError(3);
    expect(toErrorReport(exit, { debug: false })).toBeUndefined();
    expect(silentExitCode(exit)).toBe(3);
  });
});

describe('error formatting', () => {
  const report = toErrorReport(domainError(), { debug: false })!;

  it('should render message, code, causes and suggestions as text', () => {
    expect(formatErrorText(report)).toBe(
      [
        'Error: Docker host did not answer',
        '  Code: DOCKER_UNREACHABLE',
        '  Caused by: connect ECONNREFUSED',
        '  Caused by: socket closed',
        '  Try this:',
        '    - Start the Docker engine',
        '',
      ].join('\n'),
    );
  });

  it('should render a parseable JSON error object', () => {
    expect(JSON.parse(formatErrorJson(report))).toEqual({ status: 'error', error: report });
  });
});
