import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, type AtomicWriteFs } from './atomic-write.js';

/** Records every call; `failAt` makes that operation reject, as a full disk or a crash would. */
const fakeFs = (failAt?: string) => {
  const calls: string[] = [];
  const step = async (name: string): Promise<void> => {
    calls.push(name);
    if (name.startsWith(failAt ?? '\0')) throw Object.assign(new Error(`${name} failed`), { code: 'EIO' });
  };
  const handle = (path: string) =>
    ({
      writeFile: (data: string) => step(`write ${path} ${data}`),
      chmod: (mode: number) => step(`chmod ${path} ${mode.toString(8)}`),
      sync: () => step(`sync ${path}`),
      close: () => step(`close ${path}`),
    }) as unknown as FileHandle;
  const fs = {
    open: async (path: string, flags: string, mode?: number) => {
      await step(`open ${path} ${flags}${mode === undefined ? '' : ` ${mode.toString(8)}`}`);
      return handle(path);
    },
    rename: (from: string, to: string) => step(`rename ${from} ${to}`),
    rm: (path: string) => step(`rm ${path}`),
  } as unknown as AtomicWriteFs;
  // The temp name is random: show it as TMP so the expectations read as the protocol.
  const normalized = () => calls.map((c) => c.replace(/\/d\/\.f\.json\.[0-9a-f]{12}\.tmp/g, 'TMP'));
  return { fs, normalized };
};

describe('writeFileAtomic', () => {
  it('should write a private temp file in the same directory, fsync it, then rename it over the target and fsync the directory', async () => {
    const { fs, normalized } = fakeFs();
    await writeFileAtomic('/d/f.json', 'data', { fs, mode: 0o644 });
    expect(normalized()).toEqual([
      'open TMP wx 600',
      'write TMP data',
      'chmod TMP 644',
      'sync TMP',
      'close TMP',
      'rename TMP /d/f.json',
      'open /d r',
      'sync /d',
      'close /d',
    ]);
  });

  it('should leave the target untouched and remove the temp file when a step before the rename fails', async () => {
    for (const failing of ['write', 'sync TMP', 'rename']) {
      const { fs, normalized } = fakeFs(failing === 'sync TMP' ? 'sync /d/.f' : failing);
      await expect(writeFileAtomic('/d/f.json', 'data', { fs })).rejects.toThrow(/failed/);
      const calls = normalized();
      expect(calls.filter((c) => c.startsWith('rename') && !c.startsWith(failing))).toEqual([]);
      expect(calls.at(-1)).toBe('rm TMP');
    }
  });
});
