const BLOCK = 512;

/** A regular file of a tar stream: its path as the archive names it, and its bytes. */
export interface TarFile {
  name: string;
  content: Buffer;
}

const field = (header: Buffer, from: number, to: number): string => header.toString('utf8', from, to).replace(/\0.*$/s, '');

/** The `path` record of a pax extended header, which names the next entry when its name is long. */
const paxPath = (records: Buffer): string | undefined => {
  for (const line of records.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/s.exec(line);
    if (m) return m[1];
  }
  return undefined;
};

/**
 * The regular files of a tar stream (what `docker cp CONTAINER:PATH -` prints), in order, named by
 * pax path, else ustar prefix and name; a cut archive yields the files before the cut. Pure.
 */
export const tarRegularFiles = (tar: Buffer): TarFile[] => {
  const out: TarFile[] = [];
  let longName: string | undefined;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 136).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    if (Number.isNaN(size) || at + BLOCK + size > tar.length) break;
    const content = tar.subarray(at + BLOCK, at + BLOCK + size);
    if (type === 'x') longName = paxPath(content);
    else {
      if (type === '0' || type === '\0') {
        const prefix = field(header, 345, 500);
        out.push({ name: longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100)), content });
      }
      longName = undefined;
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
};

/** The content of the first regular file in a tar stream, skipping pax headers; undefined when there is none. Pure. */
export const tarFirstFile = (tar: Buffer): Buffer | undefined => tarRegularFiles(tar)[0]?.content;
