import { describe, expect, it } from 'vitest';
import { envIdOfInput, isEnvId, MAX_ENV_ID_LENGTH, normalizeEnvId } from './env-id.js';

describe('normalizeEnvId', () => {
  it.each([
    ['Feature/Login', 'feature-login'],
    ['My_Feature', 'my-feature'],
    ['--x--', 'x'],
  ])('should normalise %s to %s', (raw, expected) => expect(normalizeEnvId(raw)).toBe(expected));

  it('should cap long ids at 40 characters with a hash, and be stable on its own output', () => {
    const id = normalizeEnvId('a'.repeat(100));
    expect(id.length).toBeLessThanOrEqual(MAX_ENV_ID_LENGTH);
    expect(normalizeEnvId(id)).toBe(id);
    expect(normalizeEnvId(`${'a'.repeat(99)}b`)).not.toBe(id);
  });
});

describe('isEnvId', () => {
  it.each(['my-feature', 'pr-12', 'a', 'x'.repeat(40)])('should accept %s', (id) => expect(isEnvId(id)).toBe(true));

  it.each(['', 'My_Feature', 'my_feature', '-a', 'a-', 'a--b', 'x'.repeat(41), 'a.b'])('should refuse %j', (id) => expect(isEnvId(id)).toBe(false));
});

describe('envIdOfInput', () => {
  it('should normalise what a user typed', () => expect(envIdOfInput('My_Feature')).toEqual({ ok: true, id: 'my-feature' }));

  it('should refuse text without a letter or digit, saying why', () => {
    const r = envIdOfInput('__');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain('no letters or digits');
  });
});
