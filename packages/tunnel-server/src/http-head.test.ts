import { describe, expect, it } from 'vitest';
import { parseRequestHead } from './http-head.js';

const parse = (s: string, max = 1024) => parseRequestHead(Buffer.from(s, 'latin1'), max);

describe('parseRequestHead', () => {
  it('should parse method, target, version, headers and Host, and give the head length', () => {
    const text = 'GET /a?b=1 HTTP/1.1\r\nHost: x.test\r\nAccept: */*\r\n\r\nBODY';
    const res = parse(text);
    expect(res).toEqual({
      kind: 'ok',
      length: text.length - 4,
      head: {
        method: 'GET',
        target: '/a?b=1',
        version: '1.1',
        host: 'x.test',
        headers: [['Host', 'x.test'], ['Accept', '*/*']],
        framing: { transferEncoding: [], contentLength: [], connection: [], upgrade: false },
        forwarding: false,
      },
    });
  });

  it('should gather the framing headers and note forwarding headers in the same pass', () => {
    const res = parse('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: keep-alive\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n');
    expect(res).toMatchObject({ kind: 'ok', head: { framing: { contentLength: ['3'], connection: ['keep-alive'], transferEncoding: [], upgrade: false }, forwarding: true } });
  });

  it('should wait for more bytes until the head is complete', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: x')).toEqual({ kind: 'incomplete' });
  });

  it('should refuse a head larger than the limit, complete or not', () => {
    expect(parse(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}`, 64)).toEqual({ kind: 'too-large' });
    expect(parse(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}\r\n\r\n`, 64)).toEqual({ kind: 'too-large' });
  });

  it('should accept HTTP/1.0 without Host', () => {
    expect(parse('GET / HTTP/1.0\r\n\r\n')).toMatchObject({ kind: 'ok', head: { version: '1.0', host: undefined } });
  });

  it.each([
    ['GET / HTTP/1.1\r\n\r\n', 'missing Host header'],
    ['GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'more than one Host header'],
    ['GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n', 'bad header line'],
    ['GET / HTTP/2.0\r\nHost: a\r\n\r\n', 'bad request line'],
    ['get / HTTP/1.1\r\nHost: a\r\n\r\n', 'bad request line'],
    ['GET / HTTP/1.1\r\nBad Name: a\r\n\r\n', 'bad header line'],
  ])('should refuse %j as malformed (%s)', (text, reason) => {
    expect(parse(text)).toEqual({ kind: 'malformed', reason });
  });
});
