import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught } from '../../../../test/support/preevy-error-of.js';
import { CurrentProfilePointer } from './current-profile-pointer.js';

describe('CurrentProfilePointer', () => {
  let home: string;
  let root: string;
  let pointer: CurrentProfilePointer;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'preevy-current-'));
    root = join(home, 'profiles');
    pointer = new CurrentProfilePointer({ root });
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('should have no current profile until one is set, then name it', async () => {
    expect(await pointer.read()).toBeUndefined();
    await pointer.set('ci', { onlyIfNone: false });
    expect(await pointer.read()).toBe('ci');
    await pointer.set('main', { onlyIfNone: false });
    expect(await pointer.read()).toBe('main');
    expect(await readdir(root)).toEqual(['current.json']);
  });

  it('should set the pointer only when none is set, with onlyIfNone', async () => {
    await pointer.set('ci', { onlyIfNone: true });
    await pointer.set('other', { onlyIfNone: true });
    expect(await pointer.read()).toBe('ci');
  });

  it('should leave an unreadable pointer for the user to repair, and say how', async () => {
    await pointer.set('ci', { onlyIfNone: false });
    await writeFile(join(root, 'current.json'), 'not json');
    await pointer.set('other', { onlyIfNone: true });
    expect(await readFile(join(root, 'current.json'), 'utf8')).toBe('not json');
    const err = await caught(pointer.read());
    expect(err.code).toBe('PROFILE_DATA_CORRUPT');
    expect(err.suggestions.join()).toContain('preevy profile use NAME');
  });

  it('should clear the pointer only while it names the profile removed', async () => {
    await pointer.set('ci', { onlyIfNone: false });
    await pointer.clear('other');
    expect(await pointer.read()).toBe('ci');
    await pointer.clear('ci');
    expect(await pointer.read()).toBeUndefined();
    expect(await readdir(root)).toEqual([]);
  });
});
