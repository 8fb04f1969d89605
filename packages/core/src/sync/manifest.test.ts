import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffManifests, formatManifest, localManifest, parseManifest, type Manifest } from './manifest.js';

const h = (c: string): string => c.repeat(64);

describe('diffManifests', () => {
  const remote: Manifest = { 'a.txt': { sha256: h('a'), mode: 0o100644 }, 'b.txt': { sha256: h('b'), mode: 0o100644 }, 'gone.txt': { sha256: h('c'), mode: 0o100644 }, 'run.sh': { sha256: h('d'), mode: 0o100644 } };
  const local: Manifest = { 'a.txt': { sha256: h('a'), mode: 0o100644 }, 'b.txt': { sha256: h('e'), mode: 0o100644 }, 'new.txt': { sha256: h('f'), mode: 0o100644 }, 'run.sh': { sha256: h('d'), mode: 0o100755 } };

  it('should send new and changed files (content or mode), keep unchanged ones and delete vanished ones', () => {
    expect(diffManifests(local, remote)).toEqual({ send: ['b.txt', 'new.txt', 'run.sh'], unchanged: ['a.txt'], deleted: ['gone.txt'] });
  });

  it('should send everything when the host has nothing yet', () => {
    expect(diffManifests(local, {})).toEqual({ send: ['a.txt', 'b.txt', 'new.txt', 'run.sh'], unchanged: [], deleted: [] });
  });

  it('should send nothing when nothing changed', () => {
    expect(diffManifests(local, local)).toEqual({ send: [], unchanged: ['a.txt', 'b.txt', 'new.txt', 'run.sh'], deleted: [] });
  });
});

describe('formatManifest / parseManifest', () => {
  it('should read back what it wrote, paths with spaces included, and ignore lines it does not understand', () => {
    const m: Manifest = { 'dir/with space.txt': { sha256: h('1'), mode: 0o100600 }, z: { sha256: h('2'), mode: 0o120777 } };
    expect(parseManifest(formatManifest(m))).toEqual(m);
    expect(parseManifest(`garbage\n${formatManifest(m)}\n`)).toEqual(m);
  });
});

describe('localManifest', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-manifest-'));
    await mkdir(join(dir, 'src', 'sub'), { recursive: true });
    await writeFile(join(dir, 'src', 'a.txt'), 'A');
    await writeFile(join(dir, 'src', 'sub', 'b.txt'), 'B', { mode: 0o600 });
    await symlink('a.txt', join(dir, 'src', 'link'));
    await writeFile(join(dir, 'single.conf'), 'x=1');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('should list every file and link of a directory by relative path, with content hash and mode', async () => {
    const { kind, manifest } = await localManifest(join(dir, 'src'));
    expect(kind).toBe('dir');
    expect(Object.keys(manifest).sort()).toEqual(['a.txt', 'link', 'sub/b.txt']);
    expect(manifest['a.txt']!.sha256).toBe('559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd');
    expect(manifest['sub/b.txt']!.mode).toBe(0o100600);
    expect(manifest.link!.mode).toBe(0o120777);
  });

  it('should list a file source under its own name', async () => {
    const { kind, manifest } = await localManifest(join(dir, 'single.conf'));
    expect(kind).toBe('file');
    expect(Object.keys(manifest)).toEqual(['single.conf']);
  });

  it('should treat a missing source as an empty directory, as Docker creates one', async () => {
    expect(await localManifest(join(dir, 'nope'))).toEqual({ kind: 'dir', manifest: {} });
  });
});
