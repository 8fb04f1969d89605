import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { envIndexLabel, tunnelLabel, type TunnelAccess } from '@preevy/tunnel-protocol';
import type { SoakAgentInfo, SoakTunnel } from './soak-agents.js';

/** Every kind of visit the soak makes; each has one expected answer. */
export const VISIT_KINDS = ['keep-alive', 'close', 'private', 'private-no-token', 'websocket', 'index', 'not-found', 'download', 'upload'] as const;
export type VisitKind = (typeof VISIT_KINDS)[number];

/**
 * Outcomes by kind. An error counts as `churned` when the agent behind the tunnel announced a
 * drop while the request ran (or no agent was up to choose), else as `stable`: errors on a
 * tunnel whose agent stayed connected throughout are the interesting ones.
 */
export interface VisitTally {
  ok: Partial<Record<VisitKind, number>>;
  stable: Record<string, number>;
  churned: Record<string, number>;
}

/** Which agents are connected now; `epoch` counts each agent's drops. Updated from agent events. */
export interface AgentLiveness {
  up: Set<number>;
  epoch: number[];
}

export interface Visitors {
  agents: SoakAgentInfo[];
  tunnels: SoakTunnel[];
  baseHost: string;
  httpPort: number;
  liveness: AgentLiveness;
  random: () => number;
}

const TIMEOUT_MS = 5_000;
/** Each visitor loop stops at its deadline or after this many visits, whichever comes first. */
const MAX_VISITS_PER_LOOP = 500_000;
const SMALL_BODY_BYTES = 12;
const DOWNLOAD_BYTES = 1024 * 1024;
const UPLOAD = Buffer.alloc(256 * 1024, 'u');

interface Answer {
  status: number;
  body: Buffer;
}

const send = (opts: { port: number; host: string; path?: string; method?: string; headers?: Record<string, string>; agent?: Agent | false; body?: Buffer }): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: opts.port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: { Host: opts.host, ...opts.headers },
        agent: opts.agent ?? false,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });

const errorKey = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'timeout';
  return e.code ?? e.message ?? String(err);
};

const webSocketEcho = (port: number, host: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { Host: host }, perMessageDeflate: false, handshakeTimeout: TIMEOUT_MS });
    const timer = setTimeout(() => (ws.terminate(), reject(new Error('timeout'))), TIMEOUT_MS);
    ws.once('error', (err) => (clearTimeout(timer), ws.terminate(), reject(err)));
    ws.once('unexpected-response', (_req, res) => (clearTimeout(timer), ws.terminate(), reject(new Error(`status ${res.statusCode}`))));
    ws.once('open', () => ws.send('soak'));
    ws.once('message', () => {
      clearTimeout(timer);
      ws.close();
      resolve();
    });
  });

/**
 * Visitors hammering every path of the server at once until `deadline`: public keep-alive GETs
 * (one connection per burst: public tunnels are routed per connection), `Connection: close`
 * GETs, private GETs with and without a share token, WebSocket echoes, environment index pages,
 * unknown hosts, 1 MiB downloads and 256 KiB uploads. Tunnels are picked among connected agents.
 */
export const runVisitors = async (v: Visitors, deadline: number, tally: VisitTally): Promise<void> => {
  const { liveness, random } = v;
  const hostOf = (a: SoakAgentInfo, t: SoakTunnel): string => `${tunnelLabel({ name: t.name, envId: a.envId, clientId: a.clientId })}.${v.baseHost}`;
  const byAccess = (access: TunnelAccess): SoakTunnel[] => v.tunnels.filter((t) => t.access === access);
  const pickFrom = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;

  /** A connected agent (and its drop count now), or undefined when none is. */
  const pickAgent = (): { agent: SoakAgentInfo; epoch: number } | undefined => {
    const up = [...liveness.up];
    if (!up.length) return undefined;
    const index = pickFrom(up);
    return { agent: v.agents.find((a) => a.index === index)!, epoch: liveness.epoch[index]! };
  };
  const record = (kind: VisitKind, picked: { agent: SoakAgentInfo; epoch: number } | undefined, error?: string): void => {
    if (error === undefined) return void (tally.ok[kind] = (tally.ok[kind] ?? 0) + 1);
    const stable = picked === undefined || (liveness.up.has(picked.agent.index) && liveness.epoch[picked.agent.index] === picked.epoch);
    const into = stable ? tally.stable : tally.churned;
    const key = `${kind}: ${error}`;
    into[key] = (into[key] ?? 0) + 1;
  };
  /** One visit: `visit` returns an error description or undefined; thrown errors are classified. */
  const attempt = async (kind: VisitKind, picked: { agent: SoakAgentInfo; epoch: number } | undefined, visit: () => Promise<string | undefined>): Promise<boolean> => {
    let error: string | undefined;
    try {
      error = await visit();
    } catch (err) {
      error = errorKey(err);
    }
    record(kind, picked, error);
    return error === undefined;
  };
  const expect = (a: Answer, status: number, bytes?: number): string | undefined =>
    a.status !== status ? `status ${a.status}` : bytes !== undefined && a.body.length !== bytes ? `body ${a.body.length} bytes, not ${bytes}` : undefined;

  const loop = async (body: () => Promise<void>): Promise<void> => {
    for (let i = 0; i < MAX_VISITS_PER_LOOP && Date.now() < deadline; i++) await body();
  };
  const withAgent = async (fn: (p: { agent: SoakAgentInfo; epoch: number }) => Promise<void>): Promise<void> => {
    const picked = pickAgent();
    if (picked) await fn(picked);
    else await sleep(50);
  };
  const port = v.httpPort;

  const keepAlive = (): Promise<void> =>
    loop(() =>
      withAgent(async (picked) => {
        const host = hostOf(picked.agent, pickFrom(byAccess('public')));
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (let k = 0; k < 50 && Date.now() < deadline; k++) {
            if (!(await attempt('keep-alive', picked, async () => expect(await send({ port, host, agent }), 200, SMALL_BODY_BYTES)))) break;
          }
        } finally {
          agent.destroy();
        }
      }),
    );
  const close = (): Promise<void> =>
    loop(() =>
      withAgent(async (picked) => {
        const host = hostOf(picked.agent, pickFrom(byAccess('public')));
        await attempt('close', picked, async () => expect(await send({ port, host, headers: { Connection: 'close' } }), 200, SMALL_BODY_BYTES));
      }),
    );
  const privateVisits = (): Promise<void> =>
    loop(() =>
      withAgent(async (picked) => {
        const host = hostOf(picked.agent, pickFrom(byAccess('private')));
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (let k = 0; k < 20 && Date.now() < deadline; k++) {
            const headers = { Authorization: `Bearer ${picked.agent.token}` };
            if (!(await attempt('private', picked, async () => expect(await send({ port, host, agent, headers }), 200, SMALL_BODY_BYTES)))) break;
          }
          await attempt('private-no-token', picked, async () => expect(await send({ port, host, agent }), 401));
        } finally {
          agent.destroy();
        }
      }),
    );
  const webSockets = (): Promise<void> =>
    loop(() =>
      withAgent(async (picked) => {
        await attempt('websocket', picked, async () => void (await webSocketEcho(port, hostOf(picked.agent, pickFrom(byAccess('public'))))));
      }),
    );
  const index = (): Promise<void> =>
    loop(() =>
      withAgent(async (picked) => {
        const host = `${envIndexLabel(picked.agent)}.${v.baseHost}`;
        await attempt('index', picked, async () => expect(await send({ port, host }), 200));
      }),
    );
  const notFound = (): Promise<void> =>
    loop(async () => {
      const host = `nosuch-${Math.floor(random() * 1e9)}.${v.baseHost}`;
      await attempt('not-found', undefined, async () => expect(await send({ port, host }), 404));
    });
  const download = (): Promise<void> =>
    loop(() =>
      withAgent(async (picked) => {
        const host = hostOf(picked.agent, pickFrom(byAccess('public')));
        await attempt('download', picked, async () => expect(await send({ port, host, path: `/big?n=${DOWNLOAD_BYTES}` }), 200, DOWNLOAD_BYTES));
      }),
    );
  const upload = (): Promise<void> =>
    loop(() =>
      withAgent(async (picked) => {
        const host = hostOf(picked.agent, pickFrom(byAccess('public')));
        const expected = JSON.stringify({ bytes: UPLOAD.length });
        await attempt('upload', picked, async () => {
          const a = await send({ port, host, method: 'POST', path: '/up', body: UPLOAD, headers: { 'Content-Length': String(UPLOAD.length) } });
          return expect(a, 200) ?? (a.body.toString() === expected ? undefined : `origin counted ${a.body.toString()}`);
        });
      }),
    );

  const times = (n: number, fn: () => Promise<void>): Array<Promise<void>> => Array.from({ length: n }, fn);
  await Promise.all([...times(6, keepAlive), ...times(3, close), ...times(2, privateVisits), ...times(2, webSockets), index(), notFound(), download(), upload()]);
};

export const emptyTally = (): VisitTally => ({ ok: {}, stable: {}, churned: {} });
