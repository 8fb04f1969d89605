import { createHash } from 'node:crypto';
import { open, readlink } from 'node:fs/promises';
import { pack, type Pack } from 'tar-stream';
import { PreevyError } from '../errors/preevy-error.js';

/** What was actually archived for a file, read at the moment it was sent. */
export interface SentFile {
  /** sha256 of the bytes sent. */
  sha256: string;
  /** `st_mode` of the file when it was sent (0o100xxx). */
  mode: number;
  size: number;
}

/** One entry of the archive: a local file or link read when its turn comes, or small generated content. */
export type ArchiveEntry =
  | { type: 'file'; name: string; path: string; mtime: Date; onSent?: (sent: SentFile) => void }
  | { type: 'symlink'; name: string; path: string; mtime: Date; onSent?: (target: string) => void }
  | { type: 'content'; name: string; content: string | Uint8Array; mode: number; mtime: Date };

const CHUNK = 64 * 1024;
const S_IFREG = 0o100000;

/** A file whose size changed between the header (which carries its size) and the end of its content. */
export const fileChangedError = (path: string, detail: string): PreevyError =>
  new PreevyError(`Cannot sync ${path}: it changed while it was being sent (${detail})`, {
    code: 'SYNC_FILE_CHANGED',
    kind: 'conflict',
    suggestions: [
      'Run the command again once nothing is writing to that file (a build or a log?); nothing was half-applied: the next sync sends every file of that path again.',
      'Keep files that change all the time (logs, build output) out of bind-mounted directories.',
    ],
  });

const fileGone = (path: string, cause: unknown): PreevyError =>
  new PreevyError(`Cannot sync ${path}: it disappeared while the files were being sent`, {
    code: 'SYNC_FILE_CHANGED',
    kind: 'conflict',
    suggestions: ['Run the command again once nothing is deleting files under the bind-mounted directories.'],
    cause,
  });

const isEnoent = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';
// readlink on what is no longer a link.
const isEinval = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'EINVAL';

// Settles when the entry's bytes are all in the archive, or rejects when the archive was destroyed.
const entryDone = (archive: Pack, header: Parameters<Pack['entry']>[0], content?: string | Uint8Array): { sink: ReturnType<Pack['entry']>; done: Promise<void> } => {
  let sink!: ReturnType<Pack['entry']>;
  const done = new Promise<void>((resolve, reject) => {
    const settle = (err?: Error | null): void => (err ? reject(err) : resolve());
    sink = content === undefined ? archive.entry(header, settle) : archive.entry(header, content, settle);
  });
  done.catch(() => {}); // awaited by the caller; an early failure must not be reported as unhandled
  sink.on('error', () => {}); // the same failure ends the archive, which is where the reader sees it
  return { sink, done };
};

const drained = (sink: ReturnType<Pack['entry']>): Promise<void> =>
  new Promise((resolve, reject) => {
    const off = (): void => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
    };
    const onDrain = (): void => {
      off();
      resolve();
    };
    const onClose = (): void => {
      off();
      reject(new Error('the archive was closed before this file was written'));
    };
    sink.on('drain', onDrain).on('close', onClose);
  });

/**
 * Streams one file into the archive: the header carries the size from `fstat` of the open file,
 * then exactly that many bytes follow, hashed as they pass. A file that shrinks or grows meanwhile
 * is a {@link fileChangedError}: the header cannot be taken back, and a cut or padded copy would be
 * worse than a clear failure.
 */
const packFile = async (archive: Pack, entry: Extract<ArchiveEntry, { type: 'file' }>): Promise<void> => {
  const handle = await open(entry.path, 'r').catch((err: unknown) => {
    throw isEnoent(err) ? fileGone(entry.path, err) : err;
  });
  try {
    const st = await handle.stat();
    const mode = S_IFREG | (st.mode & 0o7777);
    const { sink, done } = entryDone(archive, { name: entry.name, type: 'file', size: st.size, mode, uid: st.uid, gid: st.gid, mtime: entry.mtime });
    const hash = createHash('sha256');
    let left = st.size;
    for (;;) {
      // Never more than one byte past the size: getting that byte means the file grew.
      const want = Math.min(CHUNK, left + 1);
      // A fresh buffer each time: the archive keeps a reference until the reader has taken it.
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buf, 0, want, null);
      if (bytesRead > left || (bytesRead === 0 && left > 0)) {
        const err = fileChangedError(entry.path, `it ${bytesRead > left ? 'grew beyond' : 'shrank below'} the ${st.size} bytes it had when it was opened`);
        archive.destroy(err);
        throw err;
      }
      if (bytesRead === 0) break;
      const chunk = bytesRead === want ? buf : buf.subarray(0, bytesRead);
      hash.update(chunk);
      left -= bytesRead;
      if (!sink.write(chunk)) await drained(sink);
      if (left === 0 && bytesRead < want) break; // asked for one byte more and got none: the end
    }
    sink.end(null);
    await done;
    entry.onSent?.({ sha256: hash.digest('hex'), mode, size: st.size });
  } finally {
    await handle.close();
  }
};

const packSymlink = async (archive: Pack, entry: Extract<ArchiveEntry, { type: 'symlink' }>): Promise<void> => {
  const target = await readlink(entry.path).catch((err: unknown) => {
    if (isEinval(err)) throw fileChangedError(entry.path, 'it is no longer a symbolic link');
    throw isEnoent(err) ? fileGone(entry.path, err) : err;
  });
  const { sink, done } = entryDone(archive, { name: entry.name, type: 'symlink', linkname: target, mode: 0o777, mtime: entry.mtime });
  sink.end(null);
  await done;
  entry.onSent?.(target);
};

/**
 * A tar archive (POSIX ustar, PAX headers for long names) of the entries, produced as it is read:
 * each file is streamed from disk when the reader gets to it, so memory stays flat whatever the
 * total size. Entries are taken from `entries` one by one, so an entry may depend on what the
 * `onSent` of an earlier one reported. A failure (a file that changed, an unreadable file) ends
 * the stream with that error.
 */
export const packArchive = (entries: Iterable<ArchiveEntry> | AsyncIterable<ArchiveEntry>): AsyncIterable<Uint8Array> => {
  const archive = pack();
  const produce = async (): Promise<void> => {
    for await (const entry of entries) {
      if (archive.destroying) return;
      if (entry.type === 'file') await packFile(archive, entry);
      else if (entry.type === 'symlink') await packSymlink(archive, entry);
      else {
        const { done } = entryDone(archive, { name: entry.name, type: 'file', mode: entry.mode, mtime: entry.mtime }, entry.content);
        await done;
      }
    }
    archive.finalize();
  };
  produce().catch((err: unknown) => {
    if (!archive.destroying) archive.destroy(err as Error);
  });
  // streamx types its chunks as unknown; a pack only ever yields byte buffers.
  return archive as AsyncIterable<Uint8Array>;
};
