import { describe, expect, it } from 'vitest';
import { parseNunjucksFailure } from './template-errors.js';

describe('parseNunjucksFailure', () => {
  it('should read the file, line and column of a located failure', () => {
    expect(parseNunjucksFailure('(/t/a.njk) [Line 2, Column 4]\n  attempted to output null or undefined value')).toEqual({
      file: '/t/a.njk',
      line: 2,
      column: 4,
      reason: 'attempted to output null or undefined value',
    });
  });

  it('should take the innermost located file of an include', () => {
    const message = '(/t/main.njk)\n  Template render error: (/t/main.njk)\n  Template render error: (/t/part.njk) [Line 3, Column 1]\n  expected variable end';
    expect(parseNunjucksFailure(message)).toEqual({ file: '/t/part.njk', line: 3, column: 1, reason: 'expected variable end' });
  });

  it('should keep the reason of a failure without a place', () => {
    expect(parseNunjucksFailure('(unknown path)\n  Error: filter not found: nofilter')).toEqual({ reason: 'filter not found: nofilter' });
  });
});
