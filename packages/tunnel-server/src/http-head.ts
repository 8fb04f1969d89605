/** The head of one HTTP/1.x request: enough to route it, nothing more. */
export interface RequestHead {
  method: string;
  target: string;
  version: '1.0' | '1.1';
  headers: ReadonlyArray<readonly [name: string, value: string]>;
  host: string | undefined;
  /** The values that decide how the body is framed, gathered in the same pass (raw, unsplit). */
  framing: { transferEncoding: string[]; contentLength: string[]; connection: string[]; upgrade: boolean };
  /** Whether the visitor sent forwarding headers of its own (they are replaced). */
  forwarding: boolean;
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
  const framing: RequestHead['framing'] = { transferEncoding: [], contentLength: [], connection: [], upgrade: false };
  let forwarding = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) return { kind: 'malformed', reason: 'bad header line' };
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) return { kind: 'malformed', reason: 'bad header value' };
    switch (name.toLowerCase()) {
      case 'host':
        if (host !== undefined) return { kind: 'malformed', reason: 'more than one Host header' };
        host = value;
        break;
      case 'transfer-encoding':
        framing.transferEncoding.push(value);
        break;
      case 'content-length':
        framing.contentLength.push(value);
        break;
      case 'connection':
        framing.connection.push(value);
        break;
      case 'upgrade':
        framing.upgrade = true;
        break;
      case 'forwarded':
        forwarding = true;
        break;
      default:
        if (name.length > 12 && /^x-forwarded-/i.test(name)) forwarding = true;
    }
    headers.push([name, value]);
  }
  const version = match[3] === '1' ? '1.1' : '1.0';
  if (version === '1.1' && !host) return { kind: 'malformed', reason: 'missing Host header' };
  return { kind: 'ok', head: { method: match[1]!, target: match[2]!, version, headers, host, framing, forwarding }, length: end + END.length };
};

/** How the bytes after a request head are framed, as a relay that does not parse bodies must know. */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; bytes: number }
  | { kind: 'chunked' }
  /** A protocol switch (WebSocket): everything after the head is opaque. */
  | { kind: 'upgrade' }
  | { kind: 'invalid'; reason: string };

const listTokens = (values: string[]): string[] =>
  values.flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()).filter(Boolean);

/**
 * The framing of a request's body, refusing what two parsers could read two ways (the request
 * smuggling family): Content-Length beside Transfer-Encoding, differing lengths, a coding that does
 * not end in chunked, and an absolute-form target naming another host than Host.
 */
export const bodyFraming = (head: RequestHead): BodyFraming => {
  if (head.method === 'CONNECT') return { kind: 'invalid', reason: 'CONNECT is not served' };
  if (head.target.charCodeAt(0) !== 47 /* / */ && /^[a-z][a-z0-9+.-]*:\/\//i.test(head.target)) {
    let authority: string;
    try {
      authority = new URL(head.target).host.toLowerCase();
    } catch {
      return { kind: 'invalid', reason: 'bad absolute-form target' };
    }
    if (authority !== (head.host ?? '').toLowerCase()) return { kind: 'invalid', reason: 'absolute-form target names another host than Host' };
  } else if (!head.target.startsWith('/') && !(head.target === '*' && head.method === 'OPTIONS')) {
    return { kind: 'invalid', reason: 'bad request target' };
  }
  const codings = listTokens(head.framing.transferEncoding);
  const lengths = head.framing.contentLength.flatMap((v) => v.split(',')).map((v) => v.trim());
  if (codings.length && lengths.length) return { kind: 'invalid', reason: 'both Content-Length and Transfer-Encoding' };
  if (codings.length) {
    if (codings[codings.length - 1] !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) return { kind: 'invalid', reason: 'Transfer-Encoding must end in chunked, once' };
    return { kind: 'chunked' };
  }
  if (lengths.length) {
    if (!lengths.every((l) => /^\d{1,15}$/.test(l)) || new Set(lengths.map(Number)).size !== 1) return { kind: 'invalid', reason: 'bad or conflicting Content-Length' };
    const bytes = Number(lengths[0]);
    if (bytes > 0) return { kind: 'length', bytes };
  }
  const upgrade = head.framing.upgrade && listTokens(head.framing.connection).includes('upgrade');
  return upgrade ? { kind: 'upgrade' } : { kind: 'none' };
};
