import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { properLock, withLock, type LockFn } from './profile-lock.js';
import { validateProfileName } from './profile-name.js';
import { isEnoent, pathExists, readJsonFile, toJsonText, type ProfileStoreFs } from './store-files.js';

// Dot-prefixed: never a valid profile name, so the local store's listing passes it by.
const LINKS_DIR = '.links';
const linkSchema = z.object({ version: z.literal(1), url: z.string().min(1) });

/** A local name for a remote profile. */
export interface ProfileLink {
  name: string;
  url: string;
}

/** Where the links live and their side effects. */
export interface ProfileLinksOptions {
  /** The profiles directory; links are `<root>/.links/<name>.json`. */
  root: string;
  fs?: ProfileStoreFs;
  lock?: LockFn;
}

/** Remote profiles remembered under local names (`preevy profile link`); the URL is all a link holds, never a credential. */
export class ProfileLinks {
  private readonly dir: string;
  private readonly fs: ProfileStoreFs;
  private readonly lock: LockFn;

  constructor({ root, fs = nodeFs, lock = properLock }: ProfileLinksOptions) {
    this.dir = join(root, LINKS_DIR);
    this.fs = fs;
    this.lock = lock;
  }

  /** The URL linked under `name`, if any. */
  async read(name: string): Promise<string | undefined> {
    const link = await readJsonFile(this.fs, this.path(name), linkSchema, [`Link it again with \`preevy profile link URL --name ${name}\` after removing the file.`]);
    return link?.url;
  }

  async list(): Promise<ProfileLink[]> {
    const files = await this.fs.readdir(this.dir).catch((err: unknown) => {
      if (isEnoent(err)) return [];
      throw err;
    });
    const names = files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -'.json'.length)).sort();
    const links = await Promise.all(names.map(async (name) => ({ name, url: await this.read(name).catch(() => undefined) })));
    return links.filter((l): l is ProfileLink => l.url !== undefined);
  }

  /** Links `name` to `url`; `replace: false` refuses a name linked elsewhere (returns false). */
  async add(name: string, url: string, { replace = false }: { replace?: boolean } = {}): Promise<boolean> {
    const path = this.path(name);
    await this.fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    return withLock(this.lock, path, async () => {
      const existing = await this.read(name).catch(() => undefined);
      if (existing !== undefined && existing !== url && !replace) return false;
      await writeFileAtomic(path, toJsonText({ version: 1, url }), { fs: this.fs, mode: 0o600 });
      return true;
    });
  }

  /** True when there was a link to remove. */
  async remove(name: string): Promise<boolean> {
    const path = this.path(name);
    if (!(await pathExists(this.fs, path))) return false;
    await this.fs.rm(path, { force: true });
    return true;
  }

  private path(name: string): string {
    return join(this.dir, `${validateProfileName(name)}.json`);
  }
}
