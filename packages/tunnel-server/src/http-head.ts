/** The head of one HTTP/1.x request: enough to route it, nothing more. */
export interface RequestHead {
  method: string;
  target: string;
  version: '1.0' | '1.1';
  headers: ReadonlyArray<readonly [name: string, value: string]>;
  host: string | undefined;
}

export type HeadParse =
  | { kind: 'incomplete' }
  | { kind: 'too-large' }
  | { kind: 'malformed'; reason: string }
  | { kind: 'ok'; head: RequestHead; length: number };

const END = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^([A-Z]{1,20}) ([^\s]{1,8192}) HTTP\/1\.([01])$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses the request head at the start of `buf`, strictly: the bytes after it go to the origin
 * untouched, so anything ambiguous (folded lines, two Host headers) is refused, not guessed.
 */
export const parseRequestHead = (buf: Buffer, maxBytes: number): HeadParse => {
  const end = buf.subarray(0, maxBytes + END.length).indexOf(END);
  if (end < 0) return buf.length >= maxBytes ? { kind: 'too-large' } : { kind: 'incomplete' };
  if (end + END.length > maxBytes) return { kind: 'too-large' };
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const match = REQUEST_LINE.exec(lines[0] ?? '');
  if (!match) return { kind: 'malformed', reason: 'bad request line' };
  const headers: Array<readonly [string, string]> = [];
  let host: string | undefined;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) return { kind: 'malformed', reason: 'bad header line' };
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) return { kind: 'malformed', reason: 'bad header value' };
    if (name.toLowerCase() === 'host') {
      if (host !== undefined) return { kind: 'malformed', reason: 'more than one Host header' };
      host = value;
    }
    headers.push([name, value]);
  }
  const version = match[3] === '1' ? '1.1' : '1.0';
  if (version === '1.1' && !host) return { kind: 'malformed', reason: 'missing Host header' };
  return { kind: 'ok', head: { method: match[1]!, target: match[2]!, version, headers, host }, length: end + END.length };
};
