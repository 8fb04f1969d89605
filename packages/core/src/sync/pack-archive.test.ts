import { createHash } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreevyError } from '../errors/preevy-error.js';
import { packArchive, type ArchiveEntry, type SentFile } from './pack-archive.js';

interface Extracted {
  header: Header;
  content: Buffer;
}

/** Reads an archive back with an independent parser: what `tar -x` on the host would see. */
const unpack = async (archive: AsyncIterable<Uint8Array>): Promise<Extracted[]> => {
  const chunks: Uint8Array[] = [];
  for await (const c of archive) chunks.push(c);
  const out: Extracted[] = [];
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      out.push({ header: entry.header, content: Buffer.concat(parts) });
    }
  })();
  ex.end(Buffer.concat(chunks));
  await done;
  return out;
};

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const mtime = new Date(1_700_000_000_000);

describe('packArchive', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-pack-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'run.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'sub', 'run.sh'), 0o750);
    await symlink('sub/run.sh', join(dir, 'link'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('should archive files with content and mode, links as links, and generated content, reporting what was sent', async () => {
    const sent: Record<string, SentFile | string> = {};
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    const entries: ArchiveEntry[] = [
      { type: 'file', name: 'x/sub/run.sh', path: join(dir, 'sub', 'run.sh'), mtime, onSent: (s) => (sent.run = s) },
      { type: 'symlink', name: 'x/link', path: join(dir, 'link'), mtime, onSent: (t) => (sent.link = t) },
      { type: 'file', name: `x/${long}`, path: join(dir, 'sub', 'run.sh'), mtime },
      { type: 'content', name: 'x.manifest', mode: 0o644, mtime, content: 'listed\n' },
    ];
    const out = await unpack(packArchive(entries));
    expect(out.map((e) => [e.header.name, e.header.type])).toEqual([
      ['x/sub/run.sh', 'file'],
      ['x/link', 'symlink'],
      [`x/${long}`, 'file'],
      ['x.manifest', 'file'],
    ]);
    expect(out[0]!.header.mode & 0o7777).toBe(0o750);
    expect(out[0]!.content.toString()).toBe('#!/bin/sh\n');
    expect(out[0]!.header.mtime).toEqual(mtime);
    expect(out[1]!.header.linkname).toBe('sub/run.sh');
    expect(out[3]!.content.toString()).toBe('listed\n');
    expect(sent).toEqual({ run: { sha256: sha('#!/bin/sh\n'), mode: 0o100750, size: 10 }, link: 'sub/run.sh' });
  });

  it('should stream a large file in chunks and hash exactly what it sent', async () => {
    const big = join(dir, 'big.bin');
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(big, data);
    let sent: SentFile | undefined;
    const out = await unpack(packArchive([{ type: 'file', name: 'big.bin', path: big, mtime, onSent: (s) => (sent = s) }]));
    expect(out[0]!.content.equals(data)).toBe(true);
    expect(sent).toMatchObject({ sha256: sha(data), size: data.length });
  });

  /** Reads the archive's first chunk, lets `change` act on the file, then reads the rest. */
  const changeWhileSending = async (path: string, change: () => Promise<void>): Promise<unknown> => {
    const it = packArchive([{ type: 'file', name: 'f', path, mtime }])[Symbol.asyncIterator]();
    await it.next();
    await change();
    try {
      while (!(await it.next()).done);
    } catch (err) {
      return err;
    }
    return undefined;
  };

  it('should fail with SYNC_FILE_CHANGED when a file shrinks while it is sent (its size is already in the header)', async () => {
    const path = join(dir, 'shrinks.bin');
    await writeFile(path, Buffer.alloc(4 * 1024 * 1024));
    const err = await changeWhileSending(path, () => truncate(path, 1000));
    expect(err).toMatchObject({ name: 'PreevyError', code: 'SYNC_FILE_CHANGED' });
    expect((err as Error).message).toContain('it shrank below the 4194304 bytes');
  });

  it('should fail with SYNC_FILE_CHANGED when a file grows while it is sent, rather than send a cut copy', async () => {
    const path = join(dir, 'grows.bin');
    await writeFile(path, Buffer.alloc(4 * 1024 * 1024));
    const err = await changeWhileSending(path, () => appendFile(path, 'more'));
    expect(err).toMatchObject({ code: 'SYNC_FILE_CHANGED' });
    expect((err as Error).message).toContain('it grew beyond the 4194304 bytes');
    expect((err as PreevyError).suggestions[0]).toMatch(/^Run the command again/);
  });

  it('should fail with SYNC_FILE_CHANGED when a file is gone by the time it is sent', async () => {
    const path = join(dir, 'gone.txt');
    await writeFile(path, 'x');
    await unlink(path);
    const err = await unpack(packArchive([{ type: 'file', name: 'g', path, mtime }])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SYNC_FILE_CHANGED' });
    expect((err as Error).message).toContain('disappeared');
  });
});
