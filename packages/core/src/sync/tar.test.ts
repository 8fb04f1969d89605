import { describe, expect, it } from 'vitest';
import { createTar } from './tar.js';

const field = (tar: Buffer, offset: number, at: number, len: number): string => tar.toString('utf8', offset + at, offset + at + len).replace(/\0.*$/s, '');

describe('createTar', () => {
  it('should write ustar headers with padded content and a valid checksum', () => {
    const tar = createTar([{ type: 'file', path: 'd/a.txt', mode: 0o100755, content: Buffer.from('hello'), mtime: 1 }]);
    expect(tar.length).toBe(512 + 512 + 1024);
    expect(field(tar, 0, 0, 100)).toBe('d/a.txt');
    expect(field(tar, 0, 100, 8)).toBe('0000755');
    expect(parseInt(field(tar, 0, 124, 12), 8)).toBe(5);
    expect(field(tar, 0, 257, 6)).toBe('ustar');
    const header = Buffer.from(tar.subarray(0, 512));
    const stored = parseInt(field(header, 0, 148, 8), 8);
    header.write('        ', 148, 8, 'ascii');
    expect(stored).toBe(header.reduce((s, b) => s + b, 0));
    expect(tar.toString('utf8', 512, 517)).toBe('hello');
  });

  it('should write links and put a long path in a PAX header', () => {
    const long = `${'x'.repeat(200)}/${'y'.repeat(120)}`;
    const tar = createTar([
      { type: 'symlink', path: 'l', target: 'a.txt' },
      { type: 'file', path: long, mode: 0o644, content: Buffer.alloc(0) },
    ]);
    expect(field(tar, 0, 156, 1)).toBe('2');
    expect(field(tar, 0, 157, 100)).toBe('a.txt');
    expect(field(tar, 512, 156, 1)).toBe('x');
    const record = field(tar, 1024, 0, 512);
    expect(record).toBe(`${record.length} path=${long}\n`);
  });
});
