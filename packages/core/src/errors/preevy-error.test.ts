import { describe, expect, it } from 'vitest';
import { EXIT_CODES, isPreevyError, PreevyError } from './preevy-error.js';

describe('PreevyError', () => {
  it('should carry code, kind, suggestions and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new PreevyError('Docker host did not answer', {
      code: 'DOCKER_UNREACHABLE',
      kind: 'unavailable',
      suggestions: ['Start Docker'],
      cause,
    });
    expect(err).toMatchObject({ code: 'DOCKER_UNREACHABLE', kind: 'unavailable', suggestions: ['Start Docker'], cause });
    expect(err.exitCode).toBe(EXIT_CODES.unavailable);
    expect(err.message).toBe('Docker host did not answer');
  });

  it('should give every kind a distinct non-zero exit code', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((c) => c > 0)).toBe(true);
  });

  it('should recognise a PreevyError by shape and reject plain errors', () => {
    const copy = Object.assign(new Error('x'), { name: 'PreevyError', code: 'X' });
    expect(isPreevyError(copy)).toBe(true);
    expect(isPreevyError(new Error('x'))).toBe(false);
    expect(isPreevyError('PreevyError')).toBe(false);
  });
});
