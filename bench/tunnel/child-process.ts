import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** A helper process (origin, relay hop, tunnel server, agent) started from this same bundle. */
export interface Child<Info> {
  name: string;
  pid: number;
  info: Info;
  /** Resolves with the exit code (or signal) when the process ends, for whatever reason. */
  exited: Promise<number | string>;
  /** Runs a full GC in the child (RSS read after it counts live memory, not garbage). */
  gc(): Promise<void>;
  /** Runs a full GC and returns the child's `process.memoryUsage()`. */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** Runs a command the role registered (see `serveRole`) and returns its result. */
  call<T>(command: string, arg?: unknown): Promise<T>;
  /** Receives what the role sends with `emitEvent`. */
  onEvent(listener: (event: unknown) => void): void;
  /** Asks the child to exit cleanly (so `--cpu-prof` can write its profile) and waits for it. */
  stop(): Promise<void>;
}

type ToChild = 'stop' | { call: number; command: string; arg?: unknown };
type FromChild<Info> = { ready: Info } | { failed: string } | { reply: number; value?: unknown; error?: string } | { event: unknown };

/** Commands a role answers besides the built-in `gc` and `memory`. */
export type RoleCommands = Record<string, (arg: unknown) => Promise<unknown>>;

/**
 * Forks `bundle role ...args`. Each side runs in its own process so the load generator's CPU does
 * not distort it and its CPU time and RSS can be read from /proc/<pid>/.
 */
export const startChild = <Info>(bundle: string, name: string, role: string, args: string[], profileDir?: string): Promise<Child<Info>> =>
  new Promise((resolve, reject) => {
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const execArgv = ['--expose-gc', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [])];
    const child = fork(bundle, [role, ...args], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? '?')));
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    const listeners: Array<(event: unknown) => void> = [];
    let nextCall = 1;
    void exited.then((code) => {
      for (const p of pending.values()) p.reject(new Error(`${name} exited (${code}) during a call`));
      pending.clear();
    });
    const call = <T>(command: string, arg?: unknown): Promise<T> =>
      new Promise<T>((res, rej) => {
        if (child.exitCode !== null || child.signalCode !== null) return rej(new Error(`${name} has exited`));
        const id = nextCall++;
        pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
        child.send({ call: id, command, arg } satisfies ToChild);
      });
    child.once('error', reject);
    const early = (code: number | null): void => reject(new Error(`${name} exited with ${code} before it was ready`));
    child.once('exit', early);
    child.on('message', (m: FromChild<Info>) => {
      if ('reply' in m) {
        const p = pending.get(m.reply);
        pending.delete(m.reply);
        if (m.error === undefined) p?.resolve(m.value);
        else p?.reject(new Error(`${name}: ${m.error}`));
        return;
      }
      if ('event' in m) return listeners.forEach((l) => l(m.event));
      child.off('exit', early);
      if ('failed' in m) return reject(new Error(`${name}: ${m.failed}`));
      resolve({
        name,
        pid: child.pid!,
        info: m.ready,
        exited,
        gc: () => call('gc'),
        memory: () => call('memory'),
        call,
        onEvent: (l) => void listeners.push(l),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.send('stop' satisfies ToChild);
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });

/** The child side: tells the parent something happened (see `Child.onEvent`). */
export const emitEvent = (event: unknown): void => void process.send?.({ event } satisfies FromChild<never>);

/** The child side: start the role, report its info, answer calls, exit when the parent says so or goes away. */
export const serveRole = <Info>(start: () => Promise<Info>, commands: RoleCommands = {}): void => {
  const builtIn: RoleCommands = {
    gc: async () => void global.gc?.(),
    memory: async () => (global.gc?.(), process.memoryUsage()),
  };
  process.on('message', (m: ToChild) => {
    if (m === 'stop') process.exit(0);
    if (typeof m !== 'object') return;
    const run = commands[m.command] ?? builtIn[m.command];
    const reply = (r: Omit<Extract<FromChild<Info>, { reply: number }>, 'reply'>): void => void process.send?.({ reply: m.call, ...r } satisfies FromChild<Info>);
    if (!run) return reply({ error: `unknown command ${m.command}` });
    run(m.arg).then(
      (value) => reply({ value }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  start().then(
    (info) => process.send?.({ ready: info } satisfies FromChild<Info>),
    (err: unknown) => {
      process.send?.({ failed: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies FromChild<Info>);
      process.exit(1);
    },
  );
};
