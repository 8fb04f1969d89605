import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';
import { EXEC_HELLO, generateOpenSshEd25519 } from '@preevy/tunnel-protocol';

/** What the misbehaving clients did and how the server answered. */
export interface MisbehaviourReport {
  /** SSH clients that asked for forwards with huge names, sent `hello`, then closed early or stopped reading. */
  sshAbusers: { runs: number; closedEarly: number; neverRead: number; failedToConnect: number };
  /** TCP connections to the SSH port that never send a byte; `closedByServer` within the run, after how long at most. */
  silentSsh: { opened: number; closedByServer: number; maxLifetimeMs: number };
  /** HTTP visitors sending a request head one byte per second (slowloris). */
  slowloris: { opened: number; closedByServer: number; maxLifetimeMs: number; answers: Record<string, number> };
  /** Visitors that ask for an endless download through a public tunnel and never read it. */
  nonReaders: { opened: number };
}

const HUGE_NAME = 'x'.repeat(20_000);

/**
 * One misbehaving SSH client: a fresh key, 100 forward requests with 20 kB names (and a few
 * malformed ones), `exec hello`, then either a TCP close right away (before any reply arrives) or
 * a connection that stops reading and is closed 3 s later.
 */
const abuseSsh = async (sshPort: number, closeEarly: boolean): Promise<boolean> => {
  const socket = connect({ host: '127.0.0.1', port: sshPort });
  const conn = new ssh2.Client();
  conn.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once('ready', resolve).once('error', reject).once('close', () => reject(new Error('closed')));
      conn.connect({ sock: socket, username: 'abuser', privateKey: generateOpenSshEd25519('abuser').openssh, readyTimeout: 5_000 });
    });
  } catch {
    socket.destroy();
    return false;
  }
  for (let i = 0; i < 100; i++) conn.forwardIn(`${HUGE_NAME}${i}`, 80, () => undefined);
  for (const bad of ['', ';;;', 'a;access=root', 'UPPER;access=public']) conn.forwardIn(bad, 80, () => undefined);
  conn.exec(EXEC_HELLO, () => undefined);
  if (closeEarly) socket.destroy();
  else {
    socket.pause();
    await sleep(3_000);
    socket.destroy();
  }
  return true;
};

/** Keeps `n` connections of one kind open until `deadline`, opening a new one whenever the server closes one. */
const keepOpen = async (n: number, deadline: number, open: () => Socket, onClosed: (lifetimeMs: number) => void): Promise<Socket[]> => {
  const live = new Set<Socket>();
  const openOne = (): void => {
    if (Date.now() >= deadline) return;
    const started = Date.now();
    const s = open();
    live.add(s);
    s.on('error', () => {});
    s.once('close', () => {
      if (!live.delete(s)) return; // closed by us at the end
      onClosed(Date.now() - started);
      openOne();
    });
  };
  for (let i = 0; i < n; i++) openOne();
  while (Date.now() < deadline) await sleep(200);
  const left = [...live];
  live.clear();
  return left;
};

/**
 * Runs the misbehaving clients until `deadline`, then closes whatever is still open. They share
 * the server with the soak's well-behaved agents and visitors, on purpose.
 */
export const MISBEHAVIOURS = ['abusers', 'silent', 'slowloris', 'non-readers'] as const;
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

export const runMisbehaviour = async ({
  sshPort,
  httpPort,
  publicHost,
  deadline,
  only = new Set(MISBEHAVIOURS),
}: {
  sshPort: number;
  httpPort: number;
  publicHost: () => string | undefined;
  deadline: number;
  /** Which misbehaving clients run (all by default): for telling apart what each one leaves behind. */
  only?: ReadonlySet<Misbehaviour>;
}): Promise<MisbehaviourReport> => {
  const report: MisbehaviourReport = {
    sshAbusers: { runs: 0, closedEarly: 0, neverRead: 0, failedToConnect: 0 },
    silentSsh: { opened: 0, closedByServer: 0, maxLifetimeMs: 0 },
    slowloris: { opened: 0, closedByServer: 0, maxLifetimeMs: 0, answers: {} },
    nonReaders: { opened: 0 },
  };

  const abusers = (async () => {
    for (let i = 0; i < 200 && only.has('abusers') && Date.now() < deadline; i++) {
      const closeEarly = i % 2 === 0;
      report.sshAbusers.runs += 1;
      if (!(await abuseSsh(sshPort, closeEarly))) report.sshAbusers.failedToConnect += 1;
      else if (closeEarly) report.sshAbusers.closedEarly += 1;
      else report.sshAbusers.neverRead += 1;
      await sleep(500);
    }
  })();

  const silent = keepOpen(
    only.has('silent') ? 10 : 0,
    deadline,
    () => {
      report.silentSsh.opened += 1;
      return connect({ host: '127.0.0.1', port: sshPort }).resume(); // reads (and drops) the server's ident, so its close is seen
    },
    (ms) => {
      report.silentSsh.closedByServer += 1;
      report.silentSsh.maxLifetimeMs = Math.max(report.silentSsh.maxLifetimeMs, ms);
    },
  );

  const slowloris = keepOpen(
    only.has('slowloris') ? 20 : 0,
    deadline,
    () => {
      report.slowloris.opened += 1;
      const s = connect({ host: '127.0.0.1', port: httpPort });
      const head = `GET / HTTP/1.1\r\nHost: ${publicHost() ?? 'nosuch.bench.test'}\r\n${'X-Slow: ' + 'z'.repeat(1_000)}`;
      let sent = 0;
      const drip = setInterval(() => (sent < head.length && s.writable ? s.write(head[sent++]!) : clearInterval(drip)), 1_000);
      s.once('data', (d: Buffer) => {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(d.toString())?.[1] ?? 'other';
        report.slowloris.answers[status] = (report.slowloris.answers[status] ?? 0) + 1;
      });
      s.once('close', () => clearInterval(drip));
      return s;
    },
    (ms) => {
      report.slowloris.closedByServer += 1;
      report.slowloris.maxLifetimeMs = Math.max(report.slowloris.maxLifetimeMs, ms);
    },
  );

  // Four at a time, each held 15 s: the server and agent must not buffer what the visitor does not read.
  const nonReaders = (async () => {
    while (only.has('non-readers') && Date.now() < deadline) {
      const host = publicHost();
      const sockets = host
        ? Array.from({ length: 4 }, () => {
            report.nonReaders.opened += 1;
            const s = connect({ host: '127.0.0.1', port: httpPort });
            s.on('error', () => {});
            s.write(`GET /big?n=${1e12} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
            s.pause();
            return s;
          })
        : [];
      await sleep(Math.max(0, Math.min(15_000, deadline - Date.now())));
      for (const s of sockets) s.destroy();
      if (!host) await sleep(200);
    }
  })();

  const [, silentLeft, slowLeft] = await Promise.all([abusers, silent, slowloris, nonReaders]);
  for (const s of [...silentLeft, ...slowLeft]) s.destroy();
  return report;
};
