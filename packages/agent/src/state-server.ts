import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentState } from '@preevy/tunnel-protocol';
import { AgentError, describeError } from './errors.js';
import type { TunnelClientState } from './tunnel-client.js';

/** `GET /state`: the format lives in tunnel-protocol, shared with the CLI that reads it. */
export type { AgentState };

/** The public view of the tunnel client's state: no targets, no request strings. */
export const toAgentState = (s: TunnelClientState, dockerError?: string): AgentState => ({
  status: s.status,
  envId: s.envId,
  ...(s.clientId === undefined ? {} : { clientId: s.clientId }),
  tunnels: s.tunnels.map((t) => ({ service: t.service, port: t.port, access: t.access, state: t.state, ...(t.url === undefined ? {} : { url: t.url }) })),
  ...(s.lastError === undefined ? {} : { lastError: s.lastError }),
  ...(s.rejected.length > 0 ? { rejected: s.rejected } : {}),
  ...(dockerError === undefined ? {} : { dockerError }),
  ...(s.lastActivityAt === undefined ? {} : { lastActivityAt: s.lastActivityAt }),
});

export interface StateServer extends AsyncDisposable {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/**
 * Serves `GET /state` (JSON) and `GET /healthz` (200 when connected, 503 otherwise). Binds
 * 127.0.0.1 by default: the state names private services and is read from inside the container.
 */
export const startStateServer = async ({ host, port, getState }: { host: string; port: number; getState: () => AgentState }): Promise<StateServer> => {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') send(405, { error: 'method not allowed' });
    else if (path === '/state') send(200, getState());
    else if (path === '/healthz') {
      const { status } = getState();
      send(status === 'connected' ? 200 : 503, { status });
    } else send(404, { error: 'not found' });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new AgentError(`the agent state endpoint cannot listen on ${host}:${port}: ${err.code ?? err.message}`, {
          code: 'STATE_PORT_UNAVAILABLE',
          suggestions: ['Set PREEVY_AGENT_STATE_PORT to a free port.'],
          cause: err,
        }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { address: { host: addr.address, port: addr.port }, close, [Symbol.asyncDispose]: close };
};

/** Reads a running agent's state: what `preevy-agent state` prints. */
export const fetchAgentState = ({ host, port }: { host: string; port: number }, timeoutMs = 5_000): Promise<AgentState> =>
  new Promise((resolve, reject) => {
    // An agent bound to all interfaces is still reached on loopback from inside its container.
    const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const req = request({ host: target, port, path: '/state', method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}`);
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AgentState);
        } catch (err) {
          reject(new AgentError(`the agent state endpoint ${target}:${port} gave no state: ${describeError(err)}`, { code: 'AGENT_STATE_UNAVAILABLE', cause: err }));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) =>
      reject(
        new AgentError(`cannot read the agent state at ${target}:${port}: ${describeError(err)}`, {
          code: 'AGENT_STATE_UNAVAILABLE',
          suggestions: ['Check that the agent is running (its logs say why if not) and PREEVY_AGENT_STATE_PORT matches.'],
          cause: err,
        }),
      ),
    );
    req.end();
  });
