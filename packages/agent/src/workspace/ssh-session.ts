import type { ServerChannel, Session } from 'ssh2';
import { describeError } from '../errors.js';
import type { AgentLogger } from '../logger.js';
import type { AgentForwarding } from './agent-forwarding.js';
import type { PtySpawner } from './pty.js';
import { isAcceptedEnvName } from './session-env.js';
import { startSessionProcess, type SessionProcess, type TerminalRequest } from './session-process.js';
import { serveSftp } from './sftp-server.js';

export interface SessionContext {
  shell: string;
  cwd: string;
  /** The environment every session starts from (process env, launcher's additions, account). */
  baseEnv: NodeJS.ProcessEnv;
  acceptEnv: ReadonlySet<string>;
  agentForwarding: AgentForwarding;
  loadPty: () => Promise<PtySpawner>;
  onData: () => void;
  log: AgentLogger;
  /** Every running process, so the connection's end can hang them up. */
  processes: Set<SessionProcess>;
}

/** One `session` channel: its setup requests (env, pty, agent), then a shell, a command or SFTP. */
export const handleSession = (session: Session, ctx: SessionContext): void => {
  const env: NodeJS.ProcessEnv = {};
  let terminal: TerminalRequest | undefined;
  let wantsAgent = false;
  let running: SessionProcess | undefined;

  session.on('env', (accept, reject, { key, val }) => {
    if (!isAcceptedEnvName(key, ctx.acceptEnv)) {
      ctx.log.debug({ name: key }, 'env request refused');
      return reject?.();
    }
    env[key] = val;
    accept?.();
  });
  session.on('pty', (accept, _reject, info) => {
    terminal = { term: info.term || 'xterm', cols: info.cols || 80, rows: info.rows || 24 };
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    if (terminal) terminal = { ...terminal, cols: info.cols, rows: info.rows };
    running?.resize(info.cols, info.rows);
    accept?.();
  });
  session.on('auth-agent', (accept) => {
    wantsAgent = true;
    accept?.();
  });
  session.on('signal', (accept, _reject, { name }) => {
    running?.signal(name);
    accept?.();
  });
  session.on('x11', (_accept, reject) => reject?.());

  const start = (channel: ServerChannel, command: string | undefined) => {
    void (async () => {
      const sessionEnv: NodeJS.ProcessEnv = { ...ctx.baseEnv, ...env };
      if (wantsAgent) {
        try {
          sessionEnv.SSH_AUTH_SOCK = await ctx.agentForwarding.socketPath();
        } catch (err) {
          ctx.log.warn({ err: describeError(err) }, 'agent forwarding unavailable');
        }
      }
      running = startSessionProcess({ channel, command, terminal, shell: ctx.shell, cwd: ctx.cwd, env: sessionEnv, loadPty: ctx.loadPty, onData: ctx.onData, log: ctx.log });
      ctx.processes.add(running);
      await running.done;
      ctx.processes.delete(running);
    })();
  };
  session.on('shell', (accept) => start(accept(), undefined));
  session.on('exec', (accept, _reject, { command }) => start(accept(), command));
  session.on('sftp', (accept) => serveSftp(accept(), { cwd: ctx.cwd, onActivity: ctx.onData, log: ctx.log }));
  session.on('subsystem', (_accept, reject, { name }) => {
    ctx.log.debug({ subsystem: name }, 'unknown subsystem refused');
    reject?.();
  });
};
