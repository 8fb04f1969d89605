import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake API received, as the test checks it. */
export interface RecordedCall {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  authorization: string | undefined;
}

interface Comment { id: number; body: string }
interface Deployment { id: number; environment: string; ref: string; statuses: Record<string, unknown>[] }

/**
 * A real HTTP server on 127.0.0.1 answering the few GitHub REST routes preevy uses, with state
 * (comments, deployments) and a record of every call. `forbid` makes matching routes answer 403.
 */
export class FakeGithubApi implements AsyncDisposable {
  readonly calls: RecordedCall[] = [];
  readonly comments = new Map<number, Comment[]>();
  readonly deployments: Deployment[] = [];
  forbid: RegExp | undefined;
  private nextId = 1000;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeGithubApi> {
    const server = createServer((req, res) => {
      void api.handle(req).then(({ status, json }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      });
    });
    const api = new FakeGithubApi(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; json: unknown }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    this.calls.push({ method, path: url.pathname, body, authorization: req.headers.authorization });
    if (this.forbid?.test(`${method} ${url.pathname}`)) return { status: 403, json: { message: 'Resource not accessible by integration' } };

    let m: RegExpExecArray | null;
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
      const list = this.comments.get(Number(m[1])) ?? [];
      this.comments.set(Number(m[1]), list);
      if (method === 'GET') return { status: 200, json: list };
      const c = { id: this.nextId++, body: String(body?.body) };
      list.push(c);
      return { status: 201, json: c };
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname)) && method === 'PATCH') {
      const c = [...this.comments.values()].flat().find((x) => x.id === Number(m![1]));
      if (!c) return { status: 404, json: { message: 'Not Found' } };
      c.body = String(body?.body);
      return { status: 200, json: c };
    }
    if (/^\/repos\/[^/]+\/[^/]+\/deployments$/.test(url.pathname)) {
      if (method === 'GET') return { status: 200, json: this.deployments.filter((d) => d.environment === url.searchParams.get('environment')) };
      const d = { id: this.nextId++, environment: String(body?.environment), ref: String(body?.ref), statuses: [] };
      this.deployments.push(d);
      return { status: 201, json: d };
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/.exec(url.pathname)) && method === 'POST') {
      const d = this.deployments.find((x) => x.id === Number(m![1]));
      if (!d) return { status: 404, json: { message: 'Not Found' } };
      d.statuses.push(body ?? {});
      return { status: 201, json: { id: this.nextId++, ...body } };
    }
    return { status: 404, json: { message: `fake GitHub API has no route ${method} ${url.pathname}` } };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
