import { describe, expect, it } from 'vitest';
import { exitCodeOf } from './exit-status.js';

describe('exitCodeOf', () => {
  it('should read 0 from Success and the ExitCode cause from NonZeroExitCode', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '42' }] } }),
    ).toBe(42);
  });

  it('should give undefined when the command never ran', () => {
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'executable file not found in $PATH' })).toBeUndefined();
    expect(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: 'x' }] } })).toBeUndefined();
  });
});
