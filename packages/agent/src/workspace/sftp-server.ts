import { constants as fsConstants, type Dir, type Stats } from 'node:fs';
import { chmod, chown, lstat, mkdir, open, opendir, readlink, realpath, rename, rmdir, stat, symlink, truncate, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import ssh2, { type Attributes, type FileEntry, type SFTPWrapper } from 'ssh2';
import { describeError } from '../errors.js';
import type { AgentLogger } from '../logger.js';

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;

/** Entries per NAME reply: keeps each reply well under the client's packet limit. */
const READDIR_BATCH = 64;
/** The most one READ answers; clients ask for 32-256 KiB. */
const MAX_READ = 256 * 1024;

// ssh2's SFTP stands in for its channel but has no exit(): these are the protocol calls a
// channel's exit() and end() make (ssh2 1.x; the OpenSSH scp test fails if they move).
interface SftpChannelInternals {
  outgoing: { id: number; state: string };
  _protocol: { exitStatus(id: number, status: number): void; channelEOF(id: number): void };
}

type OpenHandle = { kind: 'file'; path: string; file: FileHandle } | { kind: 'dir'; path: string; dir: Dir; done: boolean };

export interface SftpServerOptions {
  /** Where relative paths start (the sessions' working directory). */
  cwd: string;
  onActivity: () => void;
  log: AgentLogger;
}

/** SFTP status for a failed fs call: the codes the protocol has, the OS message as text. */
const statusOf = (err: unknown): { code: number; message: string } => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = describeError(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return { code: STATUS_CODE.NO_SUCH_FILE, message };
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return { code: STATUS_CODE.PERMISSION_DENIED, message };
  return { code: STATUS_CODE.FAILURE, message };
};

const attrsOf = (s: Stats): Attributes => ({
  mode: s.mode,
  uid: s.uid,
  gid: s.gid,
  size: s.size,
  atime: Math.floor(s.atimeMs / 1000),
  mtime: Math.floor(s.mtimeMs / 1000),
});

const TYPE_CHAR: [number, string][] = [
  [fsConstants.S_IFDIR, 'd'],
  [fsConstants.S_IFLNK, 'l'],
  [fsConstants.S_IFCHR, 'c'],
  [fsConstants.S_IFBLK, 'b'],
  [fsConstants.S_IFIFO, 'p'],
  [fsConstants.S_IFSOCK, 's'],
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The `ls -l` line OpenSSH's `sftp ls -l` prints (the protocol leaves its format to the server). */
export const longName = (name: string, s: Pick<Stats, 'mode' | 'nlink' | 'uid' | 'gid' | 'size' | 'mtime'>): string => {
  const type = TYPE_CHAR.find(([bits]) => (s.mode & fsConstants.S_IFMT) === bits)?.[1] ?? '-';
  const perms = 'rwxrwxrwx'
    .split('')
    .map((c, i) => ((s.mode >> (8 - i)) & 1 ? c : '-'))
    .join('');
  const d = s.mtime;
  const date = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `${type}${perms} ${String(s.nlink).padStart(4)} ${String(s.uid).padEnd(8)} ${String(s.gid).padEnd(8)} ${String(s.size).padStart(8)} ${date} ${name}`;
};

/** SFTP pflags as open(2) flags. */
export const openFlags = (pflags: number): number => {
  const read = (pflags & OPEN_MODE.READ) !== 0;
  const write = (pflags & OPEN_MODE.WRITE) !== 0;
  let flags = read && write ? fsConstants.O_RDWR : write ? fsConstants.O_WRONLY : fsConstants.O_RDONLY;
  if (pflags & OPEN_MODE.APPEND) flags |= fsConstants.O_APPEND;
  if (pflags & OPEN_MODE.CREAT) flags |= fsConstants.O_CREAT;
  if (pflags & OPEN_MODE.TRUNC) flags |= fsConstants.O_TRUNC;
  if (pflags & OPEN_MODE.EXCL) flags |= fsConstants.O_EXCL;
  return flags;
};

/** Applies the attributes a SETSTAT/FSETSTAT carries (only those present). */
const applyAttrs = async (
  attrs: Partial<Attributes>,
  ops: { truncate: (size: number) => Promise<void>; chmod: (mode: number) => Promise<void>; chown: (uid: number, gid: number) => Promise<void>; utimes: (a: number, m: number) => Promise<void> },
): Promise<void> => {
  if (typeof attrs.size === 'number') await ops.truncate(attrs.size);
  if (typeof attrs.uid === 'number' && typeof attrs.gid === 'number') await ops.chown(attrs.uid, attrs.gid);
  if (typeof attrs.mode === 'number') await ops.chmod(attrs.mode & 0o7777);
  if (typeof attrs.atime === 'number' && typeof attrs.mtime === 'number') await ops.utimes(attrs.atime, attrs.mtime);
};

/**
 * Serves the SFTP protocol (v3, as OpenSSH's `sftp` and `scp` speak it) on node:fs, as the
 * agent's user. Every request answers with data or a status, never silence.
 */
export const serveSftp = (sftp: SFTPWrapper, { cwd, onActivity, log }: SftpServerOptions): void => {
  const handles = new Map<number, OpenHandle>();
  let nextHandle = 1;
  const abs = (p: string) => resolvePath(cwd, p || '.');

  const addHandle = (h: OpenHandle): Buffer => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const handleOf = (buf: Buffer): [number, OpenHandle | undefined] => {
    const id = buf.length === 4 ? buf.readUInt32BE() : -1;
    return [id, handles.get(id)];
  };

  // One request at a time, replies in request order, as OpenSSH's server does: its client
  // counts an upload as written only up to the first unacknowledged WRITE (and truncates the
  // file there), and takes an EOF overtaking an earlier READ as the end of a download.
  let queue = Promise.resolve();
  /** Runs one request after the ones before it: its result is the reply, a thrown fs error becomes a status. */
  const serve = (reqId: number, op: string, work: () => Promise<void>) => {
    onActivity();
    queue = queue.then(work).catch((err: unknown) => {
      const { code, message } = statusOf(err);
      log.debug({ op, err: message }, 'sftp request failed');
      sftp.status(reqId, code, message);
    });
  };
  const ok = (reqId: number) => sftp.status(reqId, STATUS_CODE.OK);
  const badHandle = (reqId: number) => sftp.status(reqId, STATUS_CODE.FAILURE, 'invalid handle');

  sftp.on('OPEN', (reqId, filename, pflags, attrs: Partial<Attributes>) =>
    serve(reqId, 'open', async () => {
      const path = abs(filename);
      const file = await open(path, openFlags(pflags), typeof attrs.mode === 'number' ? attrs.mode & 0o7777 : 0o666);
      sftp.handle(reqId, addHandle({ kind: 'file', path, file }));
    }),
  );
  sftp.on('READ', (reqId, handle, offset, length) =>
    serve(reqId, 'read', async () => {
      const [, h] = handleOf(handle);
      if (h?.kind !== 'file') return badHandle(reqId);
      const buffer = Buffer.alloc(Math.min(length, MAX_READ));
      const { bytesRead } = await h.file.read({ buffer, position: offset });
      if (bytesRead === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.data(reqId, buffer.subarray(0, bytesRead));
    }),
  );
  sftp.on('WRITE', (reqId, handle, offset, packetData) => {
    // ssh2 may reuse the packet's memory once this handler returns; the write runs later.
    const data = Buffer.from(packetData);
    serve(reqId, 'write', async () => {
      const [, h] = handleOf(handle);
      if (h?.kind !== 'file') return badHandle(reqId);
      for (let done = 0; done < data.length; ) {
        const { bytesWritten } = await h.file.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
      ok(reqId);
    });
  });
  sftp.on('FSTAT', (reqId, handle) =>
    serve(reqId, 'fstat', async () => {
      const [, h] = handleOf(handle);
      if (!h) return badHandle(reqId);
      sftp.attrs(reqId, attrsOf(h.kind === 'file' ? await h.file.stat() : await stat(h.path)));
    }),
  );
  sftp.on('FSETSTAT', (reqId, handle, attrs: Partial<Attributes>) =>
    serve(reqId, 'fsetstat', async () => {
      const [, h] = handleOf(handle);
      if (!h) return badHandle(reqId);
      if (h.kind === 'file') {
        const f = h.file;
        await applyAttrs(attrs, { truncate: (n) => f.truncate(n), chmod: (m) => f.chmod(m), chown: (u, g) => f.chown(u, g), utimes: (a, m) => f.utimes(a, m) });
      } else {
        await applyAttrs(attrs, { truncate: (n) => truncate(h.path, n), chmod: (m) => chmod(h.path, m), chown: (u, g) => chown(h.path, u, g), utimes: (a, m) => utimes(h.path, a, m) });
      }
      ok(reqId);
    }),
  );
  sftp.on('SETSTAT', (reqId, path, attrs: Partial<Attributes>) =>
    serve(reqId, 'setstat', async () => {
      const p = abs(path);
      await applyAttrs(attrs, { truncate: (n) => truncate(p, n), chmod: (m) => chmod(p, m), chown: (u, g) => chown(p, u, g), utimes: (a, m) => utimes(p, a, m) });
      ok(reqId);
    }),
  );
  sftp.on('CLOSE', (reqId, handle) =>
    serve(reqId, 'close', async () => {
      const [id, h] = handleOf(handle);
      if (!h) return badHandle(reqId);
      handles.delete(id);
      if (h.kind === 'file') await h.file.close();
      else await h.dir.close();
      ok(reqId);
    }),
  );
  sftp.on('OPENDIR', (reqId, path) =>
    serve(reqId, 'opendir', async () => {
      const p = abs(path);
      const dir = await opendir(p, { bufferSize: READDIR_BATCH });
      sftp.handle(reqId, addHandle({ kind: 'dir', path: p, dir, done: false }));
    }),
  );
  sftp.on('READDIR', (reqId, handle) =>
    serve(reqId, 'readdir', async () => {
      const [, h] = handleOf(handle);
      if (h?.kind !== 'dir') return badHandle(reqId);
      const names: FileEntry[] = [];
      while (names.length < READDIR_BATCH && !h.done) {
        const entry = await h.dir.read();
        if (!entry) {
          h.done = true;
          break;
        }
        // lstat: a dangling symlink is still listed, as `ls` does.
        const s = await lstat(resolvePath(h.path, entry.name)).catch(() => undefined);
        if (!s) continue; // removed between read and lstat
        names.push({ filename: entry.name, longname: longName(entry.name, s), attrs: attrsOf(s) });
      }
      if (names.length === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.name(reqId, names);
    }),
  );
  const statReply = (op: string, fn: (p: string) => Promise<Stats>) => (reqId: number, path: string) =>
    serve(reqId, op, async () => sftp.attrs(reqId, attrsOf(await fn(abs(path)))));
  sftp.on('STAT', statReply('stat', (p) => stat(p)));
  sftp.on('LSTAT', statReply('lstat', (p) => lstat(p)));
  sftp.on('REMOVE', (reqId, path) => serve(reqId, 'remove', async () => ok((await unlink(abs(path)), reqId))));
  sftp.on('RMDIR', (reqId, path) => serve(reqId, 'rmdir', async () => ok((await rmdir(abs(path)), reqId))));
  sftp.on('MKDIR', (reqId, path, attrs: Partial<Attributes>) =>
    serve(reqId, 'mkdir', async () => ok((await mkdir(abs(path), typeof attrs.mode === 'number' ? attrs.mode & 0o7777 : 0o777), reqId))),
  );
  sftp.on('RENAME', (reqId, from, to) =>
    serve(reqId, 'rename', async () => {
      // SFTP v3 rename never replaces an existing target (OpenSSH's server behaves the same).
      const target = abs(to);
      if (await lstat(target).then(() => true, () => false)) {
        sftp.status(reqId, STATUS_CODE.FAILURE, `${to} already exists`);
        return;
      }
      await rename(abs(from), target);
      ok(reqId);
    }),
  );
  sftp.on('REALPATH', (reqId, path) =>
    serve(reqId, 'realpath', async () => {
      const p = abs(path);
      // A path that does not exist yet (an upload's target) resolves lexically, as OpenSSH's does.
      const real = await realpath(p).catch(() => p);
      sftp.name(reqId, [{ filename: real, longname: real, attrs: {} as Attributes }]);
    }),
  );
  sftp.on('READLINK', (reqId, path) =>
    serve(reqId, 'readlink', async () => {
      const target = await readlink(abs(path));
      sftp.name(reqId, [{ filename: target, longname: target, attrs: {} as Attributes }]);
    }),
  );
  // ssh2 already undoes OpenSSH's swapped SYMLINK arguments.
  sftp.on('SYMLINK', (reqId, linkPath, targetPath) => serve(reqId, 'symlink', async () => ok((await symlink(targetPath, abs(linkPath)), reqId))));

  const closeAll = () => {
    for (const h of handles.values()) void (h.kind === 'file' ? h.file.close() : h.dir.close()).catch(() => undefined);
    handles.clear();
  };
  // The client's EOF ends the subsystem. Answer as sshd does when sftp-server exits: exit status
  // 0 (scp fails without one), EOF, close; after the replies still queued.
  sftp.on('end', () => {
    void queue.then(() => {
      closeAll();
      const channel = sftp as unknown as SftpChannelInternals;
      if (channel.outgoing.state === 'open') {
        channel._protocol.exitStatus(channel.outgoing.id, 0);
        channel._protocol.channelEOF(channel.outgoing.id);
      }
      sftp.end();
    });
  });
  sftp.on('close', closeAll);
};
