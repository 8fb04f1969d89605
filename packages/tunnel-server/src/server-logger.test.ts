import { describe, expect, it } from 'vitest';
import { createTunnelServerLogger } from './server-logger.js';

describe('createTunnelServerLogger', () => {
  it('should redact tokens and cookies, nested in requests too', () => {
    const lines: string[] = [];
    const log = createTunnelServerLogger('info', { write: (line: string) => void lines.push(line) });
    log.info({ token: 'tok-1', req: { headers: { authorization: 'Bearer tok-2', cookie: 'preevy-session=tok-3' } }, url: 'http://web.test' }, 'request');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      token: '[redacted]',
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } },
      url: 'http://web.test',
    });
    expect(lines.join('')).not.toMatch(/tok-\d/);
  });
});
