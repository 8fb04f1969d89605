import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { properLock, withLock, type LockFn } from './profile-lock.js';
import { currentPointerSchema } from './profile-schema.js';
import { readJsonFile, toJsonText, type ProfileStoreFs } from './store-files.js';

const CURRENT_FILE = 'current.json';

/** Where the pointer lives and the side effects it needs. */
export interface CurrentProfilePointerOptions {
  /** The profiles directory; the pointer is `<root>/current.json`. */
  root: string;
  fs?: ProfileStoreFs;
  lock?: LockFn;
}

/** The name of the profile commands use when none is given; every change atomic and under the pointer's own lock. */
export class CurrentProfilePointer {
  private readonly root: string;
  private readonly path: string;
  private readonly fs: ProfileStoreFs;
  private readonly lock: LockFn;

  constructor({ root, fs = nodeFs, lock = properLock }: CurrentProfilePointerOptions) {
    this.root = root;
    this.path = join(root, CURRENT_FILE);
    this.fs = fs;
    this.lock = lock;
  }

  /** Undefined when none is set; PROFILE_DATA_CORRUPT when the pointer cannot be read. */
  async read(): Promise<string | undefined> {
    const pointer = await readJsonFile(this.fs, this.path, currentPointerSchema, ['Set the current profile again with `preevy profile use NAME`.']);
    return pointer?.profile;
  }

  /** Points at `name`; with `onlyIfNone`, only when no pointer is set (an unreadable one counts as set: it is the user's to repair). */
  async set(name: string, { onlyIfNone }: { onlyIfNone: boolean }): Promise<void> {
    await this.fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    await withLock(this.lock, this.path, async () => {
      if (onlyIfNone && (await this.read().catch(() => 'unreadable')) !== undefined) return;
      await writeFileAtomic(this.path, toJsonText({ version: 1, profile: name }), { fs: this.fs });
    });
  }

  /** Removes the pointer if it still names `name` (another command may have moved it meanwhile). */
  async clear(name: string): Promise<void> {
    await withLock(this.lock, this.path, async () => {
      if ((await this.read().catch(() => undefined)) === name) await this.fs.rm(this.path, { force: true });
    });
  }
}
