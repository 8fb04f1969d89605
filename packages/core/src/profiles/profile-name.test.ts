import { describe, expect, it } from 'vitest';
import { isProfileName, validateProfileName } from './profile-name.js';

describe('validateProfileName', () => {
  it('should accept lowercase DNS labels that start with a letter', () => {
    for (const name of ['default', 'ci', 'team-eu-2', 'a', 'a'.repeat(63)]) expect(validateProfileName(name)).toBe(name);
  });

  it('should reject names that are not safe as a directory and DNS label', () => {
    for (const name of ['', 'Default', '1ci', '-ci', 'ci-', 'c_i', 'c.i', '../x', 'a/b', 'a'.repeat(64), ' ci', 'current.json']) {
      expect(isProfileName(name), name).toBe(false);
      expect(() => validateProfileName(name)).toThrow(expect.objectContaining({ code: 'PROFILE_NAME_INVALID', kind: 'invalid-input' }));
    }
  });
});
