import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerChannel } from 'ssh2';
import { describeError } from '../errors.js';
import type { AgentLogger } from '../logger.js';
import type { PtySpawner } from './pty.js';

export interface TerminalRequest {
  term: string;
  cols: number;
  rows: number;
}

export interface SessionProcessOptions {
  channel: ServerChannel;
  /** `undefined` runs the login shell (`shell` request); else `shell -c command` (`exec`). */
  command: string | undefined;
  terminal: TerminalRequest | undefined;
  shell: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  loadPty: () => Promise<PtySpawner>;
  onData: () => void;
  log: AgentLogger;
}

export interface SessionProcess {
  resize(cols: number, rows: number): void;
  /** A signal name as SSH sends it (`INT`, `TERM`…). */
  signal(name: string): void;
  /** Hangs up (SIGHUP), as sshd does when the connection goes. */
  hangUp(): void;
  /** Settles once the exit status was sent and the channel closed. */
  readonly done: Promise<void>;
}

/** The longest wait for buffered output to reach the client before the exit status goes anyway. */
const FLUSH_TIMEOUT_MS = 10_000;

/**
 * Resolves once everything written so far has left `stream` (a zero-length write calls back
 * after the writes before it), or the channel closed, or the timeout passed.
 */
const flushed = async (stream: Writable, channel: ServerChannel): Promise<void> => {
  if (!stream.writable) return;
  const ac = new AbortController();
  await Promise.race([
    new Promise<void>((resolve) => stream.write(Buffer.alloc(0), () => resolve())),
    once(channel, 'close', { signal: ac.signal }).catch(() => undefined),
    sleep(FLUSH_TIMEOUT_MS, undefined, { ref: false, signal: ac.signal }).catch(() => undefined),
  ]);
  ac.abort();
};

const signalName = (signal: number | string | null | undefined): string | undefined => {
  if (signal === null || signal === undefined || signal === 0) return undefined;
  if (typeof signal === 'string') return signal.replace(/^SIG/, '');
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === signal);
  return entry?.[0].replace(/^SIG/, '');
};

/** Output first, then the exit status, then EOF and close: clients read the status before the channel ends. */
const finish = async (channel: ServerChannel, code: number | null, signal: string | undefined): Promise<void> => {
  await flushed(channel, channel);
  await flushed(channel.stderr, channel);
  if (signal) channel.exit(signal, false, '');
  else channel.exit(code ?? 255);
  channel.end();
};

// A shell request starts a login shell; exec runs through `shell -c` like sshd does.
const argsFor = (command: string | undefined): string[] => (command === undefined ? ['-l'] : ['-c', command]);

const startPlain = (o: SessionProcessOptions): SessionProcess => {
  const child = spawn(o.shell, argsFor(o.command), { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const { channel } = o;
  child.stdin.on('error', () => undefined); // EPIPE when the program exits before reading its input
  channel.pipe(child.stdin);
  channel.on('data', o.onData);
  child.stdout.on('data', o.onData);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  const done = new Promise<void>((resolve) => {
    let ended = false;
    child.once('error', (err) => {
      if (ended) return;
      ended = true;
      o.log.warn({ shell: o.shell, err: describeError(err) }, 'cannot start the session process');
      channel.stderr.write(`preevy-agent: cannot run ${o.shell}: ${describeError(err)}\n`);
      void finish(channel, 127, undefined).then(resolve);
    });
    // 'close', not 'exit': the output pipes have been read to their end by then.
    child.once('close', (code, signal) => {
      if (ended) return;
      ended = true;
      void finish(channel, code, signalName(signal)).then(resolve);
    });
  });
  return {
    resize: () => undefined,
    signal: (name) => {
      try {
        child.kill(`SIG${name}` as NodeJS.Signals);
      } catch (err) {
        o.log.debug({ signal: name, err: describeError(err) }, 'signal not delivered');
      }
    },
    hangUp: () => child.kill('SIGHUP'),
    done,
  };
};

const startTerminal = (o: SessionProcessOptions, terminal: TerminalRequest): SessionProcess => {
  const { channel } = o;
  let size = { cols: terminal.cols, rows: terminal.rows };
  let pty: ReturnType<PtySpawner> | undefined;
  let hungUp = false;
  const done = (async () => {
    let spawnPty: PtySpawner;
    try {
      spawnPty = await o.loadPty();
      pty = spawnPty({ file: o.shell, args: argsFor(o.command), term: terminal.term, cols: size.cols, rows: size.rows, cwd: o.cwd, env: { ...o.env, TERM: terminal.term } });
    } catch (err) {
      o.log.warn({ err: describeError(err) }, 'cannot start a terminal session');
      channel.stderr.write(`preevy-agent: ${describeError(err)}\r\n`);
      await finish(channel, 127, undefined);
      return;
    }
    const p = pty;
    if (hungUp) p.kill('SIGHUP');
    // The spawner asks for no decoding: data arrives as Buffers (binary output survives); typed as string.
    p.onData((data: string | Buffer) => {
      o.onData();
      if (!channel.write(data)) {
        p.pause();
        channel.once('drain', () => p.resume());
      }
    });
    // The pty takes Buffers at run time (it writes them to its socket); its typing says string.
    channel.on('data', (data: Buffer) => {
      o.onData();
      p.write(data as unknown as string);
    });
    const exit = await new Promise<{ exitCode: number; signal?: number }>((resolve) => p.onExit(resolve));
    await finish(channel, exit.exitCode, signalName(exit.signal));
  })();
  return {
    resize: (cols, rows) => {
      size = { cols, rows };
      try {
        pty?.resize(cols, rows);
      } catch (err) {
        o.log.debug({ err: describeError(err) }, 'resize after exit');
      }
    },
    signal: (name) => {
      try {
        pty?.kill(`SIG${name}`);
      } catch (err) {
        o.log.debug({ signal: name, err: describeError(err) }, 'signal not delivered');
      }
    },
    hangUp: () => {
      hungUp = true;
      try {
        pty?.kill('SIGHUP');
      } catch {
        // already gone
      }
    },
    done,
  };
};

/** Runs a session's shell or command, with a PTY when the client asked for one. */
export const startSessionProcess = (options: SessionProcessOptions): SessionProcess =>
  options.terminal ? startTerminal(options, options.terminal) : startPlain(options);
