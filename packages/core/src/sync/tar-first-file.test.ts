import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarFirstFile, tarRegularFiles } from './tar-first-file.js';

describe('tarFirstFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'preevy-tar-'));
  const tarOf = (args: string[]): Buffer => execFileSync('tar', ['-C', dir, '-c', '-f', '-', ...args]);

  it('should read the first file of a ustar archive, multi-byte content included', () => {
    writeFileSync(join(dir, 'state.json'), '{"url":"http://é.example/"}');
    expect(tarFirstFile(tarOf(['--format=ustar', 'state.json']))?.toString('utf8')).toBe('{"url":"http://é.example/"}');
  });

  it('should skip a pax header', () => {
    writeFileSync(join(dir, 'state.json'), 'x'.repeat(1000));
    expect(tarFirstFile(tarOf(['--format=pax', 'state.json']))?.toString('utf8')).toBe('x'.repeat(1000));
  });

  it('should say there is no file in an empty or cut archive', () => {
    expect(tarFirstFile(Buffer.alloc(1024))).toBeUndefined();
    expect(tarFirstFile(tarOf(['--format=ustar', 'state.json']).subarray(0, 600))).toBeUndefined();
  });
});

describe('tarRegularFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'preevy-tar-'));
  const tarOf = (args: string[]): Buffer => execFileSync('tar', ['-C', dir, '-c', '-f', '-', ...args]);

  it('should name every regular file by its whole path, long ones (pax or ustar prefix) included, and skip folders', () => {
    const long = `${'d'.repeat(90)}/${'f'.repeat(80)}.manifest`;
    mkdirSync(join(dir, 'd'.repeat(90)), { recursive: true });
    writeFileSync(join(dir, long), 'long');
    writeFileSync(join(dir, 'short.txt'), 'short');
    for (const format of ['pax', 'ustar']) {
      const files = tarRegularFiles(tarOf([`--format=${format}`, 'short.txt', 'd'.repeat(90)]));
      expect(files.map((f) => [f.name, f.content.toString()])).toEqual([['short.txt', 'short'], [long, 'long']]);
    }
  });
});
