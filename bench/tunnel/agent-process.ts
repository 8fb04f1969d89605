import { connect, type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';
import { EXEC_HELLO, formatForwardRequest, generateOpenSshEd25519, parseHelloReply } from '@preevy/tunnel-protocol';

export type AgentKind = 'real' | 'stand-in';

/** The slice of `@preevy/agent`'s TunnelClient the benchmark drives (checked at run time). */
interface RealTunnelClient {
  start(): void;
  reconcile(desired: unknown[]): Promise<void>;
  state(): { status: string; tunnels: Array<{ state: string; url?: string }>; lastError?: string };
}
type RealTunnelClientCtor = new (o: {
  server: { host: string; port: number };
  envId: string;
  privateKey: Buffer;
  hostKey?: string;
  connectServer?: (server: { host: string; port: number }) => Socket;
}) => RealTunnelClient;

/**
 * The stand-in does what the real agent does (`corkPerTick` in @preevy/agent): ssh2 writes each
 * SSH packet with its own `socket.write`; corking until the end of the tick sends a burst in one writev.
 */
const corkPerTick = (socket: Socket): Socket => {
  const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = (...a: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...a);
  };
  return socket;
};

const ENV_ID = 'bench';
const TUNNEL = { name: 'web-80', access: 'public' as const, service: 'web', port: 80 };

const hostOf = (url: string): string => new URL(url).hostname;

/** The real agent's tunnel client, when `@preevy/agent` exports one. */
const startRealAgent = async (Ctor: RealTunnelClientCtor, sshPort: number, originPort: number, privateKey: string, hostKey: string): Promise<string> => {
  const client = new Ctor({
    server: { host: '127.0.0.1', port: sshPort },
    envId: ENV_ID,
    privateKey: Buffer.from(privateKey),
    hostKey,
  });
  client.start();
  const requestString = formatForwardRequest(TUNNEL);
  await client.reconcile([{ ...TUNNEL, target: { host: '127.0.0.1', port: originPort }, requestString }]);
  for (let i = 0; i < 200; i++) {
    const url = client.state().tunnels.find((t) => t.state === 'active' && t.url)?.url;
    if (url) return hostOf(url);
    await sleep(50);
  }
  throw new Error(`real agent never got its tunnel: ${JSON.stringify(client.state())}`);
};

/**
 * A stand-in with the agent's data path (the same as `connectForwardingClient` in the server's
 * test support and `TunnelClient#onVisitor`): one ssh2 client, TCP_NODELAY on every socket, the
 * service is dialled before the channel is accepted, then `pipeline` both ways.
 */
const startStandInAgent = async (sshPort: number, originPort: number, privateKey: string): Promise<string> => {
  const sock: Socket = corkPerTick(connect({ host: '127.0.0.1', port: sshPort }));
  sock.setNoDelay(true);
  const conn = new ssh2.Client();
  conn.on('tcp connection', (_info, accept, reject) => {
    const upstream = connect({ host: '127.0.0.1', port: originPort });
    upstream.setNoDelay(true);
    upstream.once('error', () => reject());
    upstream.once('connect', () => {
      const channel = accept();
      pipeline(channel, upstream, channel, () => undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', resolve).once('error', reject);
    conn.connect({ sock, username: ENV_ID, privateKey, readyTimeout: 5_000 });
  });
  await new Promise<void>((resolve, reject) => conn.forwardIn(formatForwardRequest(TUNNEL), 80, (err) => (err ? reject(err) : resolve())));
  const hello = await new Promise<string>((resolve, reject) =>
    conn.exec(EXEC_HELLO, (err, stream) => {
      if (err) return reject(err);
      let out = '';
      stream.on('data', (d: Buffer) => (out += d.toString())).on('close', () => resolve(out));
    }),
  );
  const url = parseHelloReply(hello).tunnels[0]?.url;
  if (!url) throw new Error(`no tunnel in hello: ${hello}`);
  return hostOf(url);
};

type AgentModule = { TunnelClient?: RealTunnelClientCtor };

/**
 * Finds the real agent's TunnelClient: from `@preevy/agent`, or, when that entry fails to load
 * under plain Node, from the built module that defines it (the benchmark measures the data path,
 * not the entry's other imports). Returns why it fell back, for the table footer.
 */
const loadRealAgent = async (file?: string): Promise<{ module: AgentModule; note: string }> => {
  if (file) return { module: (await import(pathToFileURL(file).href)) as AgentModule, note: file };
  try {
    return { module: (await import('@preevy/agent')) as AgentModule, note: '@preevy/agent' };
  } catch (err) {
    const file = new URL('../../../packages/agent/dist/tunnel-client.js', import.meta.url).href;
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { module: (await import(file)) as AgentModule, note: `packages/agent/dist/tunnel-client.js (the @preevy/agent entry fails to load under node: ${why})` };
  }
};

export interface AgentInfo {
  host: string;
  agent: AgentKind;
  note: string;
}

/**
 * Starts the agent side: the real agent's TunnelClient when it can be loaded (and `BENCH_AGENT`
 * is not `stand-in`), otherwise the stand-in. The real agent pins the server's host key, as it
 * must. `agentModule` loads the TunnelClient from that built file instead (the before column's
 * agent with `BENCH_BASELINE_AGENT=1`). Returns the tunnel's hostname.
 */
export const startBenchAgent = async (sshPort: number, originPort: number, hostKey: string, agentModule?: string): Promise<AgentInfo> => {
  // Our generator: ssh2's own makes an Ed25519 key it cannot parse back about once in 300.
  const { openssh: privateKey } = generateOpenSshEd25519('bench-agent');
  const wanted = process.env.BENCH_AGENT ?? 'auto';
  const real = wanted === 'stand-in' ? { module: {}, note: 'BENCH_AGENT=stand-in' } : await loadRealAgent(agentModule).catch((err: Error) => ({ module: {}, note: err.message }));
  if (real.module.TunnelClient) return { host: await startRealAgent(real.module.TunnelClient, sshPort, originPort, privateKey, hostKey), agent: 'real', note: real.note };
  if (wanted === 'real') throw new Error(`BENCH_AGENT=real but no TunnelClient could be loaded: ${real.note}`);
  return { host: await startStandInAgent(sshPort, originPort, privateKey), agent: 'stand-in', note: real.note };
};
