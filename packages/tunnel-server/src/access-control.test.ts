import { describe, expect, it } from 'vitest';
import { cleanLocation, cookieValues, stripSessionCookie } from './access-control.js';

describe('cleanLocation', () => {
  it.each([
    ['/page?x=1&preevy_token=abc', '/page?x=1'],
    ['/?preevy_token=abc', '/'],
    ['//evil.example/x?preevy_token=a', '/evil.example/x'],
    ['/\\evil.example?preevy_token=a', '/evil.example'],
    ['/a%0d%0aSet-Cookie:x?preevy_token=a', '/a%0d%0aSet-Cookie:x'],
  ])('should turn %j into a same-host path %j', (target, location) => {
    expect(cleanLocation(target)).toBe(location);
  });
});

describe('session cookie helpers', () => {
  it('should find and strip only our cookie', () => {
    const header = 'a=1; preevy_session=tok; b=2';
    expect(cookieValues(header, 'preevy_session')).toEqual(['tok']);
    expect(stripSessionCookie(header, 'preevy_session')).toBe('a=1; b=2');
    expect(stripSessionCookie('preevy_session=tok', 'preevy_session')).toBeUndefined();
    expect(cookieValues(undefined, 'preevy_session')).toEqual([]);
  });
});
