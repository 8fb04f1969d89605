import { describe, expect, it } from 'vitest';
import { formatSshTarget, parseSshTarget } from './ssh-target.js';

describe('parseSshTarget', () => {
  it('should read user@host, an optional port, ssh:// and a bracketed IPv6 address', () => {
    expect(parseSshTarget('deploy@build.example.com')).toEqual({ user: 'deploy', host: 'build.example.com', port: 22 });
    expect(parseSshTarget('ssh://deploy@10.0.0.5:2222')).toEqual({ user: 'deploy', host: '10.0.0.5', port: 2222 });
    expect(parseSshTarget('me@[::1]:2200')).toEqual({ user: 'me', host: '::1', port: 2200 });
    expect(formatSshTarget(parseSshTarget('me@[::1]:2200'))).toBe('me@[::1]:2200');
    expect(formatSshTarget(parseSshTarget('a@b'))).toBe('a@b:22');
  });

  it.each([
    ['build.example.com', 'the user is missing'],
    ['@host', 'the user is missing'],
    ['a b@host', 'login name'],
    ['me@host:0', 'out of range'],
    ['me@host:70000', 'out of range'],
    ['me@', 'missing or malformed'],
    ['me@-oProxyCommand=x', 'not a host name'],
    ['me@host;rm', 'not a host name'],
    ['me@$(id)', 'not a host name'],
    ['me@[host]:22', 'not a host name'],
  ])('should refuse %s (%s)', (text, why) => {
    expect(() => parseSshTarget(text)).toThrow(why);
    try {
      parseSshTarget(text);
    } catch (e) {
      expect(e).toMatchObject({ code: 'SSH_HOST_INVALID', kind: 'invalid-input' });
    }
  });
});
