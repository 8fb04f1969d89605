import { describe, expect, it } from 'vitest';
import { RequestFramer } from './request-framer.js';

const fwd = { address: '10.0.0.9', proto: 'https' } as const;
const framer = (): RequestFramer => new RequestFramer(1024, fwd);
const text = (res: { out: Buffer[] }): string => Buffer.concat(res.out).toString('latin1');

describe('RequestFramer', () => {
  it('should replace the visitor\'s forwarding headers on every request of a connection', () => {
    const f = framer();
    const res = f.push(Buffer.from('GET /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nx-forwarded-host: evil\r\n\r\n'));
    expect(res.error).toBeUndefined();
    expect(text(res)).toBe(
      'GET /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: h\r\n\r\n' +
        'GET /b HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: h\r\n\r\n',
    );
    expect(f.busy).toBe(false);
  });

  it('should keep a head without forwarding headers byte for byte and append ours', () => {
    const res = framer().push(Buffer.from('GET /a HTTP/1.1\r\nhOsT: h\r\nAccept:  */*\r\n\r\n'));
    expect(text(res)).toBe('GET /a HTTP/1.1\r\nhOsT: h\r\nAccept:  */*\r\nX-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: h\r\n\r\n');
  });

  it('should pass a Content-Length body untouched, even when it looks like a request, byte by byte', () => {
    const f = framer();
    const input = 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 31\r\n\r\nGET /x HTTP/1.1\r\nHost: evil\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n';
    let out = '';
    for (const byte of Buffer.from(input)) {
      const res = f.push(Buffer.from([byte]));
      expect(res.error).toBeUndefined();
      out += text(res);
    }
    expect(out).toContain('\r\n\r\nGET /x HTTP/1.1\r\nHost: evil\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\nX-Forwarded-For');
    expect(out.match(/X-Forwarded-For/g)).toHaveLength(2);
  });

  it('should follow chunked bodies with extensions and trailers, split anywhere', () => {
    const input = 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n';
    for (const size of [1, 2, 3, 7, 1000]) {
      const f = framer();
      let out = '';
      for (let i = 0; i < input.length; i += size) {
        const res = f.push(Buffer.from(input.slice(i, i + size), 'latin1'));
        expect(res.error).toBeUndefined();
        out += text(res);
      }
      expect(out.match(/X-Forwarded-For/g)).toHaveLength(2);
      expect(out).toContain('5;a=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\n');
      expect(f.busy).toBe(false);
    }
  });

  it('should be busy while a body is still coming', () => {
    const f = framer();
    f.push(Buffer.from('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345'));
    expect(f.busy).toBe(true);
    f.push(Buffer.from('67890'));
    expect(f.busy).toBe(false);
    f.push(Buffer.from('GET / HT'));
    expect(f.busy).toBe(true);
  });

  it('should pass everything after an upgrade as is', () => {
    const f = framer();
    const res = f.push(Buffer.from('GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello GET / HTTP/1.1\r\n\r\n', 'latin1'));
    expect(res.error).toBeUndefined();
    expect(text(res).endsWith('\r\n\r\n\x81\x05hello GET / HTTP/1.1\r\n\r\n')).toBe(true);
  });

  it.each([
    ['CL and TE together', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', /both Content-Length and Transfer-Encoding/],
    ['differing lengths', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n', /Content-Length/],
    ['a coding after chunked', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', /end in chunked/],
    ['chunked twice', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', /end in chunked/],
    ['a chunk size over 2^52', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000\r\n', /chunk size/],
    ['a chunk size that is not hex', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', /chunk size/],
    ['chunk data without its CRLF', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n', /CRLF/],
    ['an absolute-form target for another host', 'GET http://other/ HTTP/1.1\r\nHost: h\r\n\r\n', /another host/],
    ['CONNECT', 'CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n', /CONNECT/],
  ])('should refuse %s and everything after it', (_what, input, reason) => {
    const f = framer();
    const good = f.push(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(good.error).toBeUndefined();
    const res = f.push(Buffer.from(input, 'latin1'));
    expect(res.error).toMatch(reason);
    expect(f.push(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n')).error).toBeDefined();
  });

  it('should accept an absolute-form target for its own host', () => {
    expect(framer().push(Buffer.from('GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n')).error).toBeUndefined();
  });
});
