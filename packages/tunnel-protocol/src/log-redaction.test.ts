import { describe, expect, it } from 'vitest';
import { LOG_REDACT_PATHS, LOG_SECRET_FIELDS } from './log-redaction.js';

describe('LOG_REDACT_PATHS', () => {
  it('should cover every secret field at the top level and two levels down, quoting names that are not identifiers', () => {
    expect(LOG_REDACT_PATHS).toHaveLength(LOG_SECRET_FIELDS.length * 3);
    expect(LOG_REDACT_PATHS).toEqual(expect.arrayContaining(['token', '*.token', '*.*.token', 'privateKey', '*.*.cookie']));
    expect(LOG_REDACT_PATHS).toEqual(expect.arrayContaining(['["set-cookie"]', '*["set-cookie"]', '*.*["set-cookie"]']));
  });

  it('should leave public key material readable', () => {
    expect(LOG_SECRET_FIELDS).not.toEqual(expect.arrayContaining(['hostKey']));
    expect(LOG_SECRET_FIELDS).not.toEqual(expect.arrayContaining(['publicKey']));
  });
});
