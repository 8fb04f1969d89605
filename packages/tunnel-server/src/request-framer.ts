import { forwardingHeaders, isForwardingHeader, type ForwardedFor } from './forwarding-headers.js';
import { bodyFraming, parseRequestHead, type HeadParse, type RequestHead } from './http-head.js';

export type FramerResult = { out: Buffer[]; error?: undefined } | { out: Buffer[]; error: string };

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailer' | 'raw' | 'failed';

const MAX_CHUNK_LINE = 1024;
// 13 hex digits stay below 2^53: any larger chunk is refused rather than misread.
const CHUNK_SIZE = /^[0-9a-fA-F]{1,13}$/;
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

/**
 * The head as the origin gets it: the visitor's forwarding headers replaced with what we saw.
 * `raw` is the head's bytes as received (ending in the empty line); when the visitor sent no
 * forwarding headers (the usual case) they are kept and ours are appended, without re-serialising.
 */
export const rewriteHead = (head: RequestHead, raw: Buffer, fwd: ForwardedFor): Buffer => {
  let ours = '';
  for (const [name, value] of forwardingHeaders(fwd, head.host)) ours += `${name}: ${value}\r\n`;
  if (!head.forwarding) return Buffer.concat([raw.subarray(0, raw.length - 2), Buffer.from(`${ours}\r\n`, 'latin1')]);
  let text = `${head.method} ${head.target} HTTP/${head.version}\r\n`;
  for (const [name, value] of head.headers) if (!isForwardingHeader(name.toLowerCase())) text += `${name}: ${value}\r\n`;
  return Buffer.from(`${text}${ours}\r\n`, 'latin1');
};

/**
 * Follows the requests a visitor sends on the public raw path (visitor to agent only; responses
 * are never parsed): each request head is checked and gets our forwarding headers, bodies pass
 * untouched while their framing is tracked, and after a protocol switch every byte passes as is.
 * One framer per visitor connection; it holds at most one head or chunk-size line.
 */
export class RequestFramer {
  private state: State = 'head';
  private pending: Buffer = EMPTY;
  private remaining = 0;

  constructor(
    private readonly maxHeaderBytes: number,
    private readonly forwarded: ForwardedFor,
  ) {}

  /** True while a request is partly received: a head, a body or a trailer is still coming. */
  get busy(): boolean {
    return this.state === 'head' ? this.pending.length > 0 : this.state !== 'raw' && this.state !== 'failed';
  }

  /**
   * Takes the visitor's next bytes; returns what goes to the agent, and the reason once a request
   * is refused. `known` is the head at the start of `chunk` when the caller already parsed it.
   */
  push(chunk: Buffer, known?: Extract<HeadParse, { kind: 'ok' }>): FramerResult {
    const out: Buffer[] = [];
    let buf = chunk;
    let knownHead = this.state === 'head' && this.pending.length === 0 ? known : undefined;
    const fail = (reason: string): FramerResult => {
      this.state = 'failed';
      this.pending = EMPTY;
      return { out, error: reason };
    };
    while (buf.length > 0) {
      switch (this.state) {
        case 'failed':
          return { out, error: 'request stream already refused' };
        case 'raw':
          out.push(buf);
          buf = EMPTY;
          break;
        case 'length':
        case 'chunk-data': {
          const n = Math.min(this.remaining, buf.length);
          out.push(buf.subarray(0, n));
          this.remaining -= n;
          buf = buf.subarray(n);
          if (this.remaining === 0) this.state = this.state === 'length' ? 'head' : 'chunk-data-end';
          break;
        }
        case 'head': {
          const data = this.pending.length ? Buffer.concat([this.pending, buf]) : buf;
          const parsed = knownHead ?? parseRequestHead(data, this.maxHeaderBytes);
          knownHead = undefined;
          if (parsed.kind === 'incomplete') {
            this.pending = data;
            buf = EMPTY;
            break;
          }
          if (parsed.kind !== 'ok') return fail(parsed.kind === 'too-large' ? 'request head too large' : parsed.reason);
          const framing = bodyFraming(parsed.head);
          if (framing.kind === 'invalid') return fail(framing.reason);
          out.push(rewriteHead(parsed.head, data.subarray(0, parsed.length), this.forwarded));
          this.pending = EMPTY;
          buf = data.subarray(parsed.length);
          if (framing.kind === 'length') {
            this.state = 'length';
            this.remaining = framing.bytes;
          } else if (framing.kind === 'chunked') this.state = 'chunk-size';
          else if (framing.kind === 'upgrade') this.state = 'raw';
          break;
        }
        case 'chunk-size': {
          const data = this.pending.length ? Buffer.concat([this.pending, buf]) : buf;
          const nl = data.indexOf(10);
          if (nl < 0) {
            if (data.length > MAX_CHUNK_LINE) return fail('chunk size line too long');
            this.pending = data;
            buf = EMPTY;
            break;
          }
          if (nl > MAX_CHUNK_LINE || data[nl - 1] !== 13) return fail('bad chunk size line');
          const size = data.toString('latin1', 0, nl - 1).split(';')[0]!.trim();
          if (!CHUNK_SIZE.test(size)) return fail('bad or too large chunk size');
          out.push(data.subarray(0, nl + 1));
          this.pending = EMPTY;
          buf = data.subarray(nl + 1);
          this.remaining = parseInt(size, 16);
          this.state = this.remaining === 0 ? 'trailer' : 'chunk-data';
          break;
        }
        case 'chunk-data-end': {
          const data = this.pending.length ? Buffer.concat([this.pending, buf]) : buf;
          if (data.length < 2) {
            this.pending = data;
            buf = EMPTY;
            break;
          }
          if (!data.subarray(0, 2).equals(CRLF)) return fail('chunk data not followed by CRLF');
          out.push(data.subarray(0, 2));
          this.pending = EMPTY;
          buf = data.subarray(2);
          this.state = 'chunk-size';
          break;
        }
        case 'trailer': {
          const data = this.pending.length ? Buffer.concat([this.pending, buf]) : buf;
          // The trailer section ends with an empty line; with no trailers that is the first line.
          const end = data.subarray(0, 2).equals(CRLF) ? 2 : data.indexOf('\r\n\r\n') + 4;
          if (end < 4 && end !== 2) {
            if (data.length > this.maxHeaderBytes) return fail('trailer too large');
            this.pending = data;
            buf = EMPTY;
            break;
          }
          if (end > this.maxHeaderBytes) return fail('trailer too large');
          out.push(data.subarray(0, end));
          this.pending = EMPTY;
          buf = data.subarray(end);
          this.state = 'head';
          break;
        }
      }
    }
    return { out };
  }
}
