import { describe, expect, it } from 'vitest';
import {
  formatCredentialsEnv,
  formatGitCredentialAttributes,
  parseCredentialRequest,
  parseCredentialResponse,
  parseCredentialsEnv,
  parseGitCredentialAttributes,
} from './workspace-credentials.js';

const secret = 'ab'.repeat(32);

describe('workspace credentials wire format', () => {
  it('should round-trip the session endpoint and refuse malformed ones', () => {
    expect(parseCredentialsEnv(formatCredentialsEnv({ port: 24_567, secret }))).toEqual({ port: 24_567, secret });
    for (const bad of [undefined, '', '24567', `0:${secret}`, `70000:${secret}`, '24567:short', `x:${secret}`, `24567:${secret.toUpperCase()}`]) {
      expect(parseCredentialsEnv(bad)).toBeUndefined();
    }
  });

  it('should read git attributes up to the blank line and write them back, dropping values git would refuse', () => {
    const attrs = parseGitCredentialAttributes('protocol=https\r\nhost=example.test\npassword=a=b\n\nhost=ignored\n');
    expect(attrs).toEqual({ protocol: 'https', host: 'example.test', password: 'a=b' });
    expect(formatGitCredentialAttributes({ ...attrs, username: 'x\ny', 'bad key': 'v' })).toBe('protocol=https\nhost=example.test\npassword=a=b\n');
  });

  it('should parse only well-formed requests', () => {
    expect(parseCredentialRequest(JSON.stringify({ secret, kind: 'git', op: 'get', attributes: { host: 'h' } }))).toEqual({ secret, kind: 'git', op: 'get', attributes: { host: 'h' } });
    expect(parseCredentialRequest(JSON.stringify({ secret, kind: 'docker', op: 'get', serverUrl: 'r.test' }))).toEqual({ secret, kind: 'docker', op: 'get', serverUrl: 'r.test' });
    for (const bad of ['{', '[]', JSON.stringify({ kind: 'git', op: 'get', attributes: {} }), JSON.stringify({ secret, kind: 'git', op: 'delete', attributes: {} }), JSON.stringify({ secret, kind: 'git', op: 'get', attributes: { n: 1 } }), JSON.stringify({ secret, kind: 'docker', op: 'store', serverUrl: 'r' })]) {
      expect(parseCredentialRequest(bad)).toBeUndefined();
    }
  });

  it('should take any malformed response as nothing found', () => {
    expect(parseCredentialResponse('{"found":true,"git":{"username":"u","password":"p"}}')).toEqual({ found: true, git: { username: 'u', password: 'p' } });
    expect(parseCredentialResponse('{"found":true,"docker":{"username":"u","secret":"s"}}')).toEqual({ found: true, docker: { username: 'u', secret: 's' } });
    for (const bad of ['', 'nope', '{"found":true}', '{"found":true,"git":{"u":1}}', '{"found":"yes","git":{}}']) expect(parseCredentialResponse(bad)).toEqual({ found: false });
  });
});
