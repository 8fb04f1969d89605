import { describe, expect, it } from 'vitest';
import { createLogger, redactFields } from './stderr-logger.js';

describe('createLogger', () => {
  it('should drop messages below its level and print the rest with their fields', () => {
    const out: string[] = [];
    const logger = createLogger({ level: 'info', write: (s) => out.push(s) });
    logger.debug('hidden');
    logger.info('tunnel open', { url: 'http://web-80.localhost', port: 80 });
    logger.error('failed');
    expect(out).toEqual(['info: tunnel open url=http://web-80.localhost port=80\n', 'error: failed\n']);
  });

  it('should never print the value of a secret-looking field', () => {
    const out: string[] = [];
    createLogger({ level: 'debug', write: (s) => out.push(s) }).debug('auth', { privateKey: 'AAAA-secret', token: 'eyJ', user: 'me' });
    expect(out.join('')).not.toMatch(/AAAA-secret|eyJ/);
    expect(out.join('')).toContain('user=me');
  });
});

describe('redactFields', () => {
  it('should redact keys, tokens, secrets, passwords and cookies, case-insensitively', () => {
    expect(redactFields({ SSH_KEY: 1, Authorization: 2, cookie: 3, Password: 4, name: 5 })).toEqual({
      SSH_KEY: '[redacted]',
      Authorization: '[redacted]',
      cookie: '[redacted]',
      Password: '[redacted]',
      name: 5,
    });
  });

  it('should redact nested secret fields and leave everything else as it is', () => {
    expect(redactFields({ tunnel: { url: 'ssh://t', privateKey: 'PRIV' }, req: { headers: { cookie: 'c' } }, list: [{ passphrase: 'p' }], at: 3 })).toEqual({
      tunnel: { url: 'ssh://t', privateKey: '[redacted]' },
      req: { headers: { cookie: '[redacted]' } },
      list: [{ passphrase: '[redacted]' }],
      at: 3,
    });
  });
});
