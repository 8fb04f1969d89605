const BLOCK = 512;

/**
 * The content of the first regular file in a tar stream (what `docker cp CONTAINER:FILE -`
 * prints), skipping pax headers; undefined when there is none. Pure.
 */
export const tarFirstFile = (tar: Buffer): Buffer | undefined => {
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    if (Number.isNaN(size) || at + BLOCK + size > tar.length) return undefined;
    if (type === '0' || type === '\0') return tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
};
