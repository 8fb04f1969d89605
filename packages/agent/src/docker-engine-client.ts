import { request, type IncomingMessage } from 'node:http';
import { AgentError, describeError } from './errors.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** The subset of `GET /containers/json` the agent reads. */
export interface ContainerSummary {
  Id: string;
  Names?: string[];
  State: string;
  /** Creation time, in seconds since the epoch. */
  Created?: number;
  Labels?: Record<string, string>;
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; NetworkID?: string }> };
}

/** The subset of `GET /containers/{id}/json` the agent reads. */
export interface ContainerDetails {
  Id: string;
  Name: string;
  State?: { Running?: boolean; StartedAt?: string; FinishedAt?: string };
  Config?: { Labels?: Record<string, string> };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; NetworkID?: string }> };
}

export interface DockerEvent {
  Type: string;
  Action: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/** Docker's filter syntax: every key must match (AND), any of its values may (OR). */
export type DockerFilters = Record<string, readonly string[]>;

/** What the watcher needs from a Docker engine; the class below is the production one. */
export interface DockerEngine {
  listContainers(filters: DockerFilters, options?: { all?: boolean }): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerDetails>;
  events(filters: DockerFilters, signal: AbortSignal): AsyncIterable<DockerEvent>;
  /** `POST /containers/{id}/stop` (a workspace's idle stop); already stopped is not an error. */
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
}

const SOCKET_REMEDY = [
  'Mount the Docker socket into the agent container: `-v /var/run/docker.sock:/var/run/docker.sock`.',
  'Or point DOCKER_HOST at the engine socket, e.g. `unix:///run/user/1000/docker.sock`.',
];

/**
 * The unix socket to talk to: `DOCKER_HOST=unix://...` wins, else the default. The agent runs
 * beside the engine, so only unix sockets are supported (a TCP engine would need TLS settings).
 */
export const dockerSocketPath = (dockerHost: string | undefined, fallback = DEFAULT_DOCKER_SOCKET): string => {
  if (dockerHost === undefined || dockerHost === '') return fallback;
  if (dockerHost.startsWith('unix://') && dockerHost.length > 'unix://'.length) return dockerHost.slice('unix://'.length);
  throw new AgentError(`DOCKER_HOST=${dockerHost} is not supported by the agent: it talks to the engine over a unix socket`, {
    code: 'DOCKER_HOST_UNSUPPORTED',
    suggestions: ['Set DOCKER_HOST to unix:///path/to/docker.sock, or unset it to use /var/run/docker.sock.', ...SOCKET_REMEDY],
  });
};

const encodeFilters = (filters: DockerFilters): string => encodeURIComponent(JSON.stringify(filters));

/** A tiny Docker Engine API client over the unix socket: no SDK, three calls. */
export class DockerEngineClient implements DockerEngine {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  constructor({ socketPath = DEFAULT_DOCKER_SOCKET, timeoutMs = 15_000 }: { socketPath?: string; timeoutMs?: number } = {}) {
    this.socketPath = socketPath;
    this.#timeoutMs = timeoutMs;
  }

  async listContainers(filters: DockerFilters, { all = false }: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    return (await this.#json(`/containers/json?all=${all ? 1 : 0}&filters=${encodeFilters(filters)}`)) as ContainerSummary[];
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    return (await this.#json(`/containers/${encodeURIComponent(id)}/json`)) as ContainerDetails;
  }

  async stopContainer(id: string, timeoutSeconds = 10): Promise<void> {
    // 304: already stopped. The engine waits up to the timeout before it kills: allow for that.
    const res = await this.#open(`/containers/${encodeURIComponent(id)}/stop?t=${timeoutSeconds}`, { method: 'POST', timeoutMs: this.#timeoutMs + timeoutSeconds * 1_000, accept: [304] });
    res.resume();
  }

  /** Docker events as they happen, until `signal` aborts (then the iteration just ends). */
  async *events(filters: DockerFilters, signal: AbortSignal): AsyncIterable<DockerEvent> {
    const path = `/events?filters=${encodeFilters(filters)}`;
    let res: IncomingMessage;
    try {
      // No timeout: the stream is meant to stay open for as long as the agent runs.
      res = await this.#open(path, { signal });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    let buffered = '';
    try {
      res.setEncoding('utf8');
      for await (const chunk of res as AsyncIterable<string>) {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) yield JSON.parse(line) as DockerEvent;
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw this.#unavailable(`the Docker event stream broke: ${describeError(err)}`, err);
    } finally {
      res.destroy();
    }
    if (!signal.aborted) throw this.#unavailable('the Docker engine closed the event stream');
  }

  async #json(path: string): Promise<unknown> {
    const res = await this.#open(path, { timeoutMs: this.#timeoutMs });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  }

  /** Opens a request (GET unless told) and resolves with a 2xx (or accepted) response; anything else becomes an AgentError. */
  #open(path: string, { signal, timeoutMs, method = 'GET', accept = [] }: { signal?: AbortSignal; timeoutMs?: number; method?: string; accept?: readonly number[] }): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method, headers: { host: 'docker' }, ...(signal ? { signal } : {}) }, (res) => {
        const status = res.statusCode ?? 0;
        if ((status >= 200 && status < 300) || accept.includes(status)) {
          // The timeout guards the wait for an answer; the body may stream for as long as it needs.
          req.setTimeout(0);
          resolve(res);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let message = body.trim();
          try {
            message = (JSON.parse(body) as { message?: string }).message ?? message;
          } catch {
            // not JSON: keep the raw text
          }
          reject(
            new AgentError(`Docker API ${method} ${path.split('?')[0] ?? path} answered ${status}: ${message}`, {
              code: status === 404 ? 'DOCKER_NOT_FOUND' : 'DOCKER_API_ERROR',
              suggestions: status === 404 ? [] : ['Check the Docker engine is healthy (`docker info`) and its API version is 1.41 or newer.'],
            }),
          );
        });
      });
      if (timeoutMs) {
        req.setTimeout(timeoutMs, () => req.destroy(this.#unavailable(`the Docker engine did not answer within ${timeoutMs} ms`)));
      }
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof AgentError || err.name === 'AbortError') reject(err);
        else if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ECONNREFUSED') {
          reject(this.#unavailable(`cannot reach the Docker engine at ${this.socketPath} (${err.code})`, err));
        } else reject(this.#unavailable(`Docker API request failed: ${err.message}`, err));
      });
      req.end();
    });
  }

  #unavailable(message: string, cause?: unknown): AgentError {
    return new AgentError(message, { code: 'DOCKER_UNAVAILABLE', suggestions: SOCKET_REMEDY, cause });
  }
}
