import { createHash } from 'node:crypto';
import { lstat, open, readdir, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PreevyError } from '../errors/preevy-error.js';

/** What is known of one synced path: the sha256 of its content (of its target, for a link) and its mode. */
export interface ManifestEntry {
  sha256: string;
  /** `st_mode` without the file-type bits' noise: 0o100644 for a file, 0o120777 for a symlink. */
  mode: number;
}

/** Relative path (slash-separated) → entry, for every file and symlink under one synced source. */
export type Manifest = Record<string, ManifestEntry>;

export interface ManifestDiff {
  /** New or changed paths: to send. */
  send: string[];
  unchanged: string[];
  /** Paths the remote has and the source no longer does: to delete there. */
  deleted: string[];
}

const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

/** One line per path: `<sha256> <mode, octal> <path>`; sorted, so equal manifests are equal text. Pure. */
export const formatManifest = (manifest: Manifest): string =>
  Object.keys(manifest)
    .sort()
    .map((path) => `${manifest[path]!.sha256} ${manifest[path]!.mode.toString(8)} ${path}\n`)
    .join('');

/** Reads `formatManifest`'s text; a line it does not understand is ignored (that path is then sent again). Pure. */
export const parseManifest = (text: string): Manifest => {
  const manifest: Manifest = {};
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) ([0-7]+) (.+)$/.exec(line);
    if (m) manifest[m[3]!] = { sha256: m[1]!, mode: parseInt(m[2]!, 8) };
  }
  return manifest;
};

/** What to send and delete so the remote matches the local manifest. Pure. */
export const diffManifests = (local: Manifest, remote: Manifest): ManifestDiff => {
  const send: string[] = [];
  const unchanged: string[] = [];
  for (const path of Object.keys(local).sort()) {
    const r = remote[path];
    if (r && r.sha256 === local[path]!.sha256 && r.mode === local[path]!.mode) unchanged.push(path);
    else send.push(path);
  }
  const deleted = Object.keys(remote)
    .filter((path) => !(path in local))
    .sort();
  return { send, unchanged, deleted };
};

/** The entry of a link: the hash of its target, tagged so it never equals a file with that content. Pure. */
export const symlinkEntry = (target: string): ManifestEntry => ({ sha256: createHash('sha256').update(`symlink\0${target}`).digest('hex'), mode: S_IFLNK | 0o777 });

/** True for the entry of a link (kept as a link, never followed). Pure. */
export const isSymlinkEntry = (entry: ManifestEntry): boolean => (entry.mode & 0o170000) === S_IFLNK;

/** The entry of a regular file from its content hash and `st_mode` (permission bits kept). Pure. */
export const fileEntry = (sha256: string, mode: number): ManifestEntry => ({ sha256, mode: S_IFREG | (mode & 0o7777) });

/** Files hashed at once: enough to keep the libuv thread pool (4) busy on many small files. */
const HASH_CONCURRENCY = 4;
const HASH_CHUNK = 64 * 1024;

/**
 * sha256 of a file, read in chunks into `buf` (the caller's, reused): a large file costs a chunk
 * of memory, not its size. A short read is taken as the end (it is, for a regular file): one
 * read fewer per small file. A file edited meanwhile is caught later: what is sent is hashed again.
 */
const sha256OfFile = async (path: string, buf: Buffer): Promise<string> => {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      hash.update(buf.subarray(0, bytesRead));
      if (bytesRead < buf.length) return hash.digest('hex');
    }
  } finally {
    await handle.close();
  }
};

const unsupportedName = (source: string, rel: string): PreevyError =>
  new PreevyError(`Cannot sync ${join(source, rel)}: its name has a line break`, {
    code: 'SYNC_PATH_UNSUPPORTED',
    kind: 'invalid-input',
    suggestions: ['Rename the file, or keep it out of the bind-mounted directory.'],
  });

/** A local bind source: a directory (walked), a file, or nothing yet (synced as an empty directory, as Docker creates one). */
export interface LocalSource {
  kind: 'dir' | 'file';
  manifest: Manifest;
}

/**
 * The manifest of a local path. Files and symlinks (kept as links, not followed) are listed;
 * sockets, FIFOs and devices are left out: they cannot be copied to another host.
 */
export const localManifest = async (source: string): Promise<LocalSource> => {
  // The source itself is followed, as Docker follows it for a bind mount; links inside it are kept.
  const top = await stat(source).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!top) return { kind: 'dir', manifest: {} };
  if (!top.isDirectory()) {
    const name = basename(source);
    if (name.includes('\n')) throw unsupportedName(source, '');
    return { kind: 'file', manifest: { [name]: fileEntry(await sha256OfFile(source, Buffer.allocUnsafe(HASH_CHUNK)), top.mode) } };
  }
  const paths: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(join(dir, d.name), rel);
      else if (rel.includes('\n')) throw unsupportedName(source, rel);
      else paths.push(rel);
    }
  };
  await walk(source, '');
  const manifest: Manifest = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    const buf = Buffer.allocUnsafe(HASH_CHUNK);
    while (next < paths.length) {
      const rel = paths[next++]!;
      const abs = join(source, rel);
      const st = await lstat(abs);
      if (st.isSymbolicLink()) manifest[rel] = symlinkEntry(await readlink(abs));
      else if (st.isFile()) manifest[rel] = fileEntry(await sha256OfFile(abs, buf), st.mode);
    }
  };
  await Promise.all(Array.from({ length: HASH_CONCURRENCY }, worker));
  return { kind: 'dir', manifest };
};
