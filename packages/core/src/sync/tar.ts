/** One entry of a tar archive: a regular file with its content, or a symbolic link. */
export type TarEntry =
  | { type: 'file'; path: string; mode: number; content: Uint8Array; mtime?: number; uid?: number; gid?: number }
  | { type: 'symlink'; path: string; target: string; mtime?: number; uid?: number; gid?: number };

const BLOCK = 512;

const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, '0')}\0`;

const header = (fields: { name: string; prefix?: string; mode: number; uid: number; gid: number; size: number; mtime: number; type: string; linkname?: string }): Buffer => {
  const h = Buffer.alloc(BLOCK);
  h.write(fields.name, 0, 100, 'utf8');
  h.write(octal(fields.mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(fields.uid, 8), 108, 8, 'ascii');
  h.write(octal(fields.gid, 8), 116, 8, 'ascii');
  h.write(octal(fields.size, 12), 124, 12, 'ascii');
  h.write(octal(Math.floor(fields.mtime), 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(fields.type, 156, 1, 'ascii');
  if (fields.linkname) h.write(fields.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  if (fields.prefix) h.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
};

const padded = (data: Uint8Array): Buffer[] => {
  const rest = data.length % BLOCK;
  return rest === 0 ? [Buffer.from(data)] : [Buffer.from(data), Buffer.alloc(BLOCK - rest)];
};

/** A PAX record `"<len> key=value\n"`, where len counts the whole record including itself. */
const paxRecord = (key: string, value: string): string => {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
};

const fits = (s: string, max: number): boolean => Buffer.byteLength(s) <= max;

/**
 * A POSIX (ustar, with PAX headers for long names) archive of the entries, in memory. Pure.
 * Only what `tar -x` needs to recreate files and links: no directories (tar creates parents).
 */
export const createTar = (entries: readonly TarEntry[]): Buffer => {
  const out: Buffer[] = [];
  for (const e of entries) {
    const mtime = e.mtime ?? 0;
    const uid = e.uid ?? 0;
    const gid = e.gid ?? 0;
    const linkname = e.type === 'symlink' ? e.target : '';
    const pax: string[] = [];
    let name = e.path;
    let prefix = '';
    if (!fits(name, 100)) {
      // ustar splits a long name at a slash into prefix (155) and name (100).
      const cut = name.lastIndexOf('/', 155);
      if (cut > 0 && fits(name.slice(0, cut), 155) && fits(name.slice(cut + 1), 100)) {
        prefix = name.slice(0, cut);
        name = name.slice(cut + 1);
      } else {
        pax.push(paxRecord('path', e.path));
        name = e.path.slice(0, 99);
      }
    }
    if (!fits(linkname, 100)) pax.push(paxRecord('linkpath', linkname));
    if (pax.length) {
      const data = Buffer.from(pax.join(''), 'utf8');
      out.push(header({ name: 'PaxHeader', mode: 0o644, uid, gid, size: data.length, mtime, type: 'x' }), ...padded(data));
    }
    if (e.type === 'file') {
      out.push(header({ name, prefix, mode: e.mode, uid, gid, size: e.content.length, mtime, type: '0' }), ...padded(e.content));
    } else {
      out.push(header({ name, prefix, mode: 0o777, uid, gid, size: 0, mtime, type: '2', linkname: fits(linkname, 100) ? linkname : linkname.slice(0, 99) }));
    }
  }
  out.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(out);
};
