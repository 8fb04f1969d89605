import { describe, expect, it } from 'vitest';
import { coerceOptionValue, parseDriverOptionAssignments } from './driver-options.js';

describe('coerceOptionValue', () => {
  it('should type canonical booleans and numbers and keep everything else a string', () => {
    expect(coerceOptionValue('true')).toBe(true);
    expect(coerceOptionValue('false')).toBe(false);
    expect(coerceOptionValue('42')).toBe(42);
    expect(coerceOptionValue('-1.5')).toBe(-1.5);
    for (const raw of ['007', '1e3', 'TRUE', '', ' 1', 'eu-west-1']) expect(coerceOptionValue(raw)).toBe(raw);
  });
});

describe('parseDriverOptionAssignments', () => {
  it('should parse KEY=VALUE pairs, keeping "=" inside values and letting later keys win', () => {
    expect(parseDriverOptionAssignments(['namespace=previews', 'replicas=2', 'label=a=b', 'replicas=3', 'empty='])).toEqual({
      namespace: 'previews',
      replicas: 3,
      label: 'a=b',
      empty: '',
    });
  });

  it('should report every malformed assignment in one error', () => {
    expect(() => parseDriverOptionAssignments(['ok=1', 'novalue', 'Bad=1', '=x'])).toThrow(expect.objectContaining({ code: 'DRIVER_OPTION_INVALID' }));
    expect(() => parseDriverOptionAssignments(['ok=1', 'novalue', 'Bad=1', '=x'])).toThrow(/"novalue" has no "=VALUE".*"Bad" is not a valid option key.*"" is not a valid option key/);
  });
});
