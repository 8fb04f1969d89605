import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** A helper process (origin, relay hop, tunnel server, agent) started from this same bundle. */
export interface Child<Info> {
  name: string;
  pid: number;
  info: Info;
  /** Runs a full GC in the child (RSS read after it counts live memory, not garbage). */
  gc(): Promise<void>;
  /** Asks the child to exit cleanly (so `--cpu-prof` can write its profile) and waits for it. */
  stop(): Promise<void>;
}

type Message<Info> = { ready: Info } | { failed: string };

/**
 * Forks `bundle role ...args`. Each side runs in its own process so the load generator's CPU does
 * not distort it and its CPU time and RSS can be read from /proc/<pid>/.
 */
export const startChild = <Info>(bundle: string, name: string, role: string, args: string[], profileDir?: string): Promise<Child<Info>> =>
  new Promise((resolve, reject) => {
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const execArgv = ['--expose-gc', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [])];
    const child = fork(bundle, [role, ...args], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('error', reject);
    const early = (code: number | null): void => reject(new Error(`${name} exited with ${code} before it was ready`));
    child.once('exit', early);
    child.once('message', (m: Message<Info>) => {
      child.off('exit', early);
      if ('failed' in m) return reject(new Error(`${name}: ${m.failed}`));
      resolve({
        name,
        pid: child.pid!,
        info: m.ready,
        gc: () =>
          new Promise((r) => {
            child.once('message', () => r());
            child.send('gc');
          }),
        stop: async () => {
          if (child.exitCode === null) child.send('stop');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });

/** The child side: start the role, report its info, exit when the parent says so or goes away. */
export const serveRole = <Info>(start: () => Promise<Info>): void => {
  process.on('message', (m) => {
    if (m === 'stop') process.exit(0);
    if (m === 'gc') {
      global.gc?.();
      process.send?.('gc-done');
    }
  });
  process.on('disconnect', () => process.exit(0));
  start().then(
    (info) => process.send?.({ ready: info } satisfies Message<Info>),
    (err: unknown) => {
      process.send?.({ failed: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies Message<Info>);
      process.exit(1);
    },
  );
};
