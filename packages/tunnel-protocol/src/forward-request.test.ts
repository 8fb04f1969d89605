import { describe, expect, it } from 'vitest';
import { formatForwardRequest, parseForwardRequest } from './forward-request.js';

describe('forward requests', () => {
  it('should round-trip a full request', () => {
    const req = { name: 'web-80', access: 'private', service: 'web', port: 80 } as const;
    expect(parseForwardRequest(formatForwardRequest(req))).toEqual({ ok: true, value: req });
  });

  it('should read a bare name (a stock OpenSSH client) as a public tunnel', () => {
    expect(parseForwardRequest('myapp')).toEqual({ ok: true, value: { name: 'myapp', access: 'public' } });
  });

  it.each([
    ['', /1-256/],
    ['web 80', /DNS label/],
    ['-web', /DNS label/],
    ['web;access=secret', /public or private/],
    ['web;port=99999', /invalid port/],
    ['web;service=../x', /invalid service/],
    ['web;color=red', /unknown forward request parameter "color"/],
    ['x'.repeat(300), /1-256/],
  ])('should refuse %j with a clear reason', (raw, reason) => {
    const res = parseForwardRequest(raw);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error).toMatch(reason);
  });
});
