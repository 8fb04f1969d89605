import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';
import { clientIdFromKey, envAudience, formatForwardRequest, generateOpenSshEd25519, signShareToken, sshBlobFromEd25519Key, type TunnelAccess } from '@preevy/tunnel-protocol';
import { emitEvent, type RoleCommands } from './child-process.js';

/** One of an agent's tunnels; every tunnel of every agent forwards to the same origin. */
export interface SoakTunnel {
  name: string;
  access: TunnelAccess;
}

/** `svc0-80` ... : every fifth tunnel is private. */
export const soakTunnels = (count: number): SoakTunnel[] =>
  Array.from({ length: count }, (_, j) => ({ name: `svc${j}-80`, access: j % 5 === 4 ? 'private' : 'public' }));

/** What visitors need to reach an agent's tunnels: its names and a share token for its private ones. */
export interface SoakAgentInfo {
  index: number;
  envId: string;
  clientId: string;
  token: string;
}

/** Sent when an agent has registered all its tunnels (`up`) and just before it drops its connection. */
export interface AgentEvent {
  agent: number;
  up: boolean;
}

export const DROP_KINDS = ['end', 'destroy', 'freeze'] as const;
export type DropKind = (typeof DROP_KINDS)[number];

export interface FleetStats {
  connects: number;
  connectFailures: number;
  drops: Record<DropKind, number>;
  /** Forward requests the server refused (a name still held by a frozen connection is retried). */
  forwardRefusals: number;
  /** Tunnels still refused after every retry. */
  forwardsGivenUp: number;
  channels: number;
  /** Frozen connections this process still holds open (their agents moved on long ago). */
  frozenOpen: number;
}

/** A small seeded PRNG (mulberry32), so a soak's churn pattern can be replayed. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

interface Agent {
  info: SoakAgentInfo;
  openssh: string;
  conn?: ssh2.Client;
  socket?: Socket;
  up: boolean;
}

const FORWARD_RETRIES = 20;
const CONNECT_ATTEMPTS = 30;

/**
 * `count` agents in one process, each a real ssh2 client with its own key holding `tunnels`
 * reverse forwards (the agent's data path: every visitor channel is piped to the origin). Once
 * told to churn, each agent repeatedly drops its connection after 2-8 s, one of three ways
 * (a clean SSH disconnect, a TCP close, or a freeze: the old connection stops reading and is
 * never closed, like a peer whose process hangs while its kernel still answers; the server must
 * find it dead before handing the names over), and reconnects after 0.1-1 s with every tunnel.
 */
export const createAgentFleet = ({
  sshPort,
  originPort,
  first,
  count,
  tunnels,
  seed,
  drops,
}: {
  sshPort: number;
  originPort: number;
  first: number;
  count: number;
  tunnels: number;
  seed: number;
  /** How agents drop their connections, picked at random among these. */
  drops: readonly DropKind[];
}) => {
  const random = seededRandom(seed + first);
  const between = (lo: number, hi: number): number => lo + random() * (hi - lo);
  const wanted = soakTunnels(tunnels);
  const stats: FleetStats = { connects: 0, connectFailures: 0, drops: { end: 0, destroy: 0, freeze: 0 }, forwardRefusals: 0, forwardsGivenUp: 0, channels: 0, frozenOpen: 0 };
  let churning = false;
  // Resolved (and replaced) whenever churning is switched, to wake every agent waiting on it.
  let wake = (): void => undefined;
  let toggled = new Promise<void>((r) => (wake = r));
  const toggle = (): void => {
    const wakeAll = wake;
    toggled = new Promise<void>((r) => (wake = r));
    wakeAll();
  };

  const agents: Agent[] = Array.from({ length: count }, (_, k) => {
    const index = first + k;
    const envId = `soak-${index}`;
    const { openssh, privateKey, publicKey } = generateOpenSshEd25519(`soak-${index}`);
    const clientId = clientIdFromKey(sshBlobFromEd25519Key(publicKey));
    const token = signShareToken({ privateKey, clientId, audience: envAudience(envId), expiresIn: 3_600 });
    return { info: { index, envId, clientId, token }, openssh, up: false };
  });

  const forward = (conn: ssh2.Client, request: string): Promise<boolean> => new Promise((resolve) => conn.forwardIn(request, 80, (err) => resolve(!err)));

  const connectOnce = async (a: Agent): Promise<void> => {
    const socket = connect({ host: '127.0.0.1', port: sshPort });
    socket.setNoDelay(true);
    const conn = new ssh2.Client();
    conn.on('tcp connection', (_info, accept) => {
      stats.channels += 1;
      const channel = accept();
      const upstream = connect({ host: '127.0.0.1', port: originPort, allowHalfOpen: true });
      upstream.setNoDelay(true);
      upstream.on('error', () => channel.destroy()).on('close', () => channel.destroy());
      channel.on('error', () => upstream.destroy()).on('close', () => upstream.destroy());
      channel.pipe(upstream).pipe(channel);
    });
    conn.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      conn.once('ready', resolve).once('error', reject).once('close', () => reject(new Error('closed before ready')));
      conn.connect({ sock: socket, username: a.info.envId, privateKey: a.openssh, readyTimeout: 10_000 });
    });
    a.conn = conn;
    a.socket = socket;
    await Promise.all(
      wanted.map(async ({ name, access }, j) => {
        const request = formatForwardRequest({ name, access, service: `svc${j}`, port: 80 });
        for (let attempt = 0; attempt < FORWARD_RETRIES; attempt++) {
          if (await forward(conn, request)) return;
          stats.forwardRefusals += 1;
          await sleep(300);
        }
        stats.forwardsGivenUp += 1;
      }),
    );
  };

  const bringUp = async (a: Agent): Promise<void> => {
    for (let attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
      try {
        await connectOnce(a);
        stats.connects += 1;
        a.up = true;
        emitEvent({ agent: a.info.index, up: true } satisfies AgentEvent);
        return;
      } catch {
        stats.connectFailures += 1;
        a.socket?.destroy();
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
    throw new Error(`${a.info.envId} could not connect in ${CONNECT_ATTEMPTS} attempts`);
  };

  const drop = (a: Agent): void => {
    const kind = drops[Math.floor(random() * drops.length)]!;
    stats.drops[kind] += 1;
    const socket = a.socket!;
    if (kind === 'end') a.conn!.end();
    else if (kind === 'destroy') socket.destroy();
    else {
      socket.pause();
      stats.frozenOpen += 1; // held until this process exits
    }
  };

  const live = async (a: Agent): Promise<void> => {
    await bringUp(a);
    for (;;) {
      while (!churning) await toggled;
      await Promise.race([sleep(between(2_000, 8_000)), toggled]);
      if (!churning) continue;
      a.up = false;
      emitEvent({ agent: a.info.index, up: false } satisfies AgentEvent);
      await sleep(100); // visitors hear of it first, so their errors from here on count as "churned"
      drop(a);
      await sleep(between(100, 1_000));
      await bringUp(a);
    }
  };

  /** Until every agent is connected with all its tunnels (bounded: 60 s). */
  const allUp = async (): Promise<boolean> => {
    for (let i = 0; i < 600 && !agents.every((a) => a.up); i++) await sleep(100);
    return agents.every((a) => a.up);
  };

  const commands: RoleCommands = {
    churn: async (on) => {
      churning = on === true;
      toggle();
      if (!churning) await allUp();
      return stats;
    },
    stats: async () => stats,
  };

  const start = async (): Promise<SoakAgentInfo[]> => {
    for (const a of agents) void live(a).catch(() => undefined); // an agent that cannot connect stays down: allUp says so
    if (!(await allUp())) throw new Error(`agents ${agents.filter((a) => !a.up).map((a) => a.info.envId).join(', ')} never came up`);
    return agents.map((a) => a.info);
  };

  return { start, commands };
};
