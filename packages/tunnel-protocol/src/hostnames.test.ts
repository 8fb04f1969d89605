import { describe, expect, it } from 'vitest';
import { isDnsLabel, toDnsLabel } from './dns-label.js';
import { envIndexLabel, labelOfHost, tunnelLabel, urlOfLabel } from './hostnames.js';

describe('tunnelLabel', () => {
  it('should join name, env id and client id as one lowercase DNS label', () => {
    expect(tunnelLabel({ name: 'web-80', envId: 'pr-12', clientId: 'abcdefghijkl' })).toBe('web-80-pr-12-abcdefghijkl');
  });

  it('should hash-truncate long names to 63 characters and keep the client id whole', () => {
    const long = (n: string) => tunnelLabel({ name: `${n}-${'x'.repeat(80)}`, envId: 'feature-branch', clientId: 'abcdefghijkl' });
    const a = long('a');
    const b = long('b');
    expect(a.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(a)).toBe(true);
    expect(a.endsWith('-abcdefghijkl')).toBe(true);
    expect(a).not.toBe(b);
    expect(long('a')).toBe(a); // stable across runs
  });

  it('should make labels of odd characters DNS-safe', () => {
    expect(tunnelLabel({ name: 'My_Service-8080', envId: 'Feature/Login', clientId: 'abc' })).toBe('my-service-8080-feature-login-abc');
  });

  it('should give an environment index label without a service name', () => {
    expect(envIndexLabel({ envId: 'pr-12', clientId: 'abcdefghijkl' })).toBe('pr-12-abcdefghijkl');
  });
});

describe('toDnsLabel', () => {
  it('should never cut blindly: two long inputs with a common prefix differ', () => {
    const p = 'p'.repeat(70);
    expect(toDnsLabel(`${p}1`)).not.toBe(toDnsLabel(`${p}2`));
    expect(toDnsLabel(`${p}1`)).toHaveLength(63);
  });

  it('should give a hash for an input with no usable character', () => {
    expect(isDnsLabel(toDnsLabel('___'))).toBe(true);
  });
});

describe('labelOfHost', () => {
  it.each([
    ['web-80-pr-1-abc.preview.test', 'web-80-pr-1-abc'],
    ['WEB-80-PR-1-ABC.Preview.Test:8080', 'web-80-pr-1-abc'],
    ['web.preview.test.', 'web'],
  ])('should read the label of %s', (host, label) => expect(labelOfHost(host, 'preview.test')).toBe(label));

  it.each([undefined, '', 'preview.test', 'a.b.preview.test', 'a..preview.test', '-a.preview.test', 'a.other.test', '<x>.preview.test', `${'a'.repeat(64)}.preview.test`])(
    'should reject %s',
    (host) => expect(labelOfHost(host, 'preview.test')).toBeUndefined(),
  );
});

describe('urlOfLabel', () => {
  it('should keep the base URL scheme and port', () => {
    expect(urlOfLabel('web-80-x-abc', new URL('http://localhost:8030'))).toBe('http://web-80-x-abc.localhost:8030');
    expect(urlOfLabel('web-80-x-abc', new URL('https://p.example.com'))).toBe('https://web-80-x-abc.p.example.com');
  });
});
