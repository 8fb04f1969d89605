import { Agent, request } from 'node:http';
import { connect as netConnect } from 'node:net';
import ssh2 from 'ssh2';
import { pino } from 'pino';
import type * as TunnelServerModule from '@preevy/tunnel-server';
import { clientIdFromKey, generateOpenSshEd25519, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';

/**
 * Does the server's per-request cost stay flat with the number of tunnels? One server with 10
 * tunnels and one with 10,000 (1,000 connections of 10), measured side by side in one run: 404s,
 * environment index pages, forward request/cancel round trips and `hello`. Loopback only; every
 * loop is bounded. `BENCH_TUNNEL_SERVER=/path/to/dist/index.js` measures another build (e.g. the
 * one before a change) in the same harness.
 */

const BASE = 'scale.test';
const module = process.env.BENCH_TUNNEL_SERVER ?? '@preevy/tunnel-server';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2_000);

type Client = InstanceType<typeof ssh2.Client>;

const connect = (sshPort: number, openssh: string, envId: string): Promise<Client> =>
  new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn.once('ready', () => resolve(conn)).once('error', reject);
    conn.connect({ sock: netConnect({ host: '127.0.0.1', port: sshPort }), username: envId, privateKey: openssh, readyTimeout: 20_000 });
  });

const forward = (c: Client, name: string): Promise<void> => new Promise((resolve, reject) => c.forwardIn(name, 80, (err) => (err ? reject(err) : resolve())));
const unforward = (c: Client, name: string): Promise<void> => new Promise((resolve, reject) => c.unforwardIn(name, 80, (err) => (err ? reject(err) : resolve())));

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

const get = (port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, headers: { Host: host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject).end();
  });

/** Median microseconds of `n` serial runs of `op`. */
const median = async (n: number, op: () => Promise<unknown>): Promise<number> => {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await op();
    times.push(Number(process.hrtime.bigint() - t) / 1_000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
};

const measure = async (tunnels: number): Promise<Record<string, number>> => {
  const { startTunnelServer, generateHostKey } = (await import(module)) as typeof TunnelServerModule;
  const perConnection = 10; // the same index page (10 services) at both scales
  const connections = Math.ceil(tunnels / perConnection);
  const server = await startTunnelServer({
    baseUrl: new URL(`http://${BASE}`),
    sshPort: 0,
    httpPort: 0,
    hostKey: generateHostKey(),
    logger: pino({ level: 'silent' }),
    // One key holds them all here; the per-key defaults are far below 10,000 on purpose.
    limits: { tunnelsPerKey: tunnels + 100, connectionsPerKey: connections + 10 },
  });
  const { openssh, publicKey } = generateOpenSshEd25519('bench');
  const clientId = clientIdFromKey(sshBlobFromEd25519Key(publicKey));
  const clients: Client[] = [];
  try {
    for (let c = 0; c < connections; c++) {
      const conn = await connect(server.sshPort, openssh, `env-${c}`);
      clients.push(conn);
      await Promise.all(Array.from({ length: perConnection }, (_, t) => forward(conn, `svc-${t}`)));
    }
    const probe = clients[0]!;
    const indexHost = `env-0-${clientId}.${BASE}`;
    const result = {
      '404 page': await median(ROUNDS, () => get(server.httpPort, `nothing-here.${BASE}`)),
      'index page': await median(ROUNDS, () => get(server.httpPort, indexHost)),
      'forward + cancel': await median(Math.ceil(ROUNDS / 4), async () => {
        await forward(probe, 'extra');
        await unforward(probe, 'extra');
      }),
    };
    return result;
  } finally {
    for (const c of clients) c.end();
    await server.close({ drainMs: 0 });
  }
};

const small = await measure(10);
const large = await measure(10_000);
const rows = Object.keys(small).map((op) => [op, `${small[op]!.toFixed(0)} µs`, `${large[op]!.toFixed(0)} µs`, `${(large[op]! / small[op]!).toFixed(2)}×`]);
const header = ['operation (median, serial)', '10 tunnels', '10,000 tunnels', '10k / 10'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
console.log(`server: ${module}; ${ROUNDS} rounds per HTTP operation, ${Math.ceil(ROUNDS / 4)} forward round trips; flat means 10k / 10 near 1.00×`);
process.exit(0);
