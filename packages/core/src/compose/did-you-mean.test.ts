import { describe, expect, it } from 'vitest';
import { didYouMean, levenshtein } from './did-you-mean.js';

describe('levenshtein', () => {
  it.each([
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['driver', 'driver', 0],
    ['drivr', 'driver', 1],
  ])('should measure %s to %s as %i edits', (a, b, d) => expect(levenshtein(a, b)).toBe(d));
});

describe('didYouMean', () => {
  const keys = ['driver', 'drivers', 'access', 'services', 'agent', 'tunnelServer'];
  it.each([
    ['drivr', 'driver'],
    ['tunnel_server', 'tunnelServer'],
    ['acess', 'access'],
    ['service', 'services'],
  ])('should suggest for %s the key %s', (input, expected) => expect(didYouMean(input, keys)).toBe(expected));

  it('should suggest nothing for an unrelated word', () => {
    expect(didYouMean('plugins', keys)).toBeUndefined();
  });
});
