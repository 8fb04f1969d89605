import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The file operations an atomic write needs (node:fs/promises by default). */
export type AtomicWriteFs = Pick<typeof nodeFs, 'open' | 'rename' | 'rm'>;

/** Options of writeFileAtomic. */
export interface AtomicWriteOptions {
  /** File mode, applied exactly (not subject to umask). Default 0o644. */
  mode?: number;
  fs?: AtomicWriteFs;
}

/**
 * Writes `data` to `path` so readers see the old content or the new one, never a mix: a temp
 * file in the same directory (so the rename does not cross file systems), fsynced, then renamed.
 */
export const writeFileAtomic = async (path: string, data: string | Uint8Array, { mode = 0o644, fs = nodeFs }: AtomicWriteOptions = {}): Promise<void> => {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: nodeFs.FileHandle | undefined;
  try {
    // 'wx' with the target mode from the start: a secret is never readable by others, not even briefly.
    handle = await fs.open(tmp, 'wx', mode & 0o600);
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir, fs);
};

/** Fsyncs a directory so a rename in it survives a crash; some platforms cannot, which only weakens durability. */
export const syncDirectory = async (dir: string, fs: Pick<typeof nodeFs, 'open'> = nodeFs): Promise<void> => {
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
};
