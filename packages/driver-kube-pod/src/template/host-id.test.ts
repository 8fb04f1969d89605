import { describe, expect, it } from 'vitest';
import { hostId, MAX_HOST_ID_LENGTH } from './host-id.js';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const fixed = () => 'abc123';

describe('hostId', () => {
  it('should be the env id plus a 6-character random suffix, a DNS label', () => {
    expect(hostId('my-env', fixed)).toBe('my-env-abc123');
    const id = hostId('my-env');
    expect(id).toMatch(/^my-env-[a-z0-9]{6}$/);
    expect(id).toMatch(DNS_LABEL);
  });

  it('should differ between two calls only by the suffix', () => {
    const [a, b] = [hostId('feature-x'), hostId('feature-x')];
    expect(a).not.toBe(b);
    expect(a.slice(0, -6)).toBe(b.slice(0, -6));
  });

  it('should hash-truncate a long env id to at most 53 characters, keeping a stable prefix', () => {
    const long = `${'a'.repeat(30)}-${'b'.repeat(30)}`;
    const id = hostId(long, fixed);
    expect(id.length).toBeLessThanOrEqual(MAX_HOST_ID_LENGTH);
    expect(id).toMatch(DNS_LABEL);
    expect(id.startsWith('a'.repeat(30))).toBe(true);
    expect(hostId(long, fixed)).toBe(id);
    // Same prefix, different tail: the hash of the whole keeps them apart.
    expect(hostId(`${'a'.repeat(30)}-${'c'.repeat(30)}`, fixed)).not.toBe(id);
  });

  it('should keep an id that just fits and shorten one a character longer', () => {
    const fits = 'x'.repeat(MAX_HOST_ID_LENGTH - 7);
    expect(hostId(fits, fixed)).toBe(`${fits}-abc123`);
    const over = hostId(`${fits}y`, fixed);
    expect(over.length).toBeLessThanOrEqual(MAX_HOST_ID_LENGTH);
    expect(over).toMatch(/^x+-[0-9a-f]{8}-abc123$/);
  });

  it('should make any text a DNS label', () => {
    expect(hostId('My_Feature/Branch', fixed)).toBe('my-feature-branch-abc123');
    expect(hostId('---', fixed)).toMatch(/^[0-9a-f]{8}-abc123$/);
  });
});
