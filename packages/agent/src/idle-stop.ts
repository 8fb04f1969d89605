import type { IdleStopState } from '@preevy/tunnel-protocol';
import { fileMtime } from './activity-file.js';
import type { DockerEngine } from './docker-engine-client.js';
import { describeError } from './errors.js';
import { silentLogger, type AgentLogger } from './logger.js';

export interface IdleStopOptions {
  container: string;
  timeoutSeconds: number;
  /** Its modification time is activity (the workspace SSH server touches it while a session is open). */
  activityFile?: string | undefined;
  /** When a visitor last came through a tunnel (ms since the epoch). */
  tunnelActivity: () => number | undefined;
  docker: Pick<DockerEngine, 'inspectContainer' | 'stopContainer'>;
  logger?: AgentLogger;
  now?: () => number;
  /** The activity file's mtime in ms, undefined when it does not exist. */
  mtime?: (path: string) => number | undefined;
  intervalMs?: number;
  /**
   * Runs once the container is stopped for idleness (kube-pod: scale the host's Deployment to zero,
   * which ends this agent too). Retried at each check until it succeeds.
   */
  afterStop?: (() => Promise<void>) | undefined;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * Stops a workspace container after `timeoutSeconds` with no activity: the latest of its start, a
 * tunnel visitor and the activity file. It only ever stops: starting again is the user's `workspace
 * start` or `up`, never a retrying client. One check at a time; a failed check is logged and retried.
 */
export class IdleStopper {
  readonly #o: IdleStopOptions;
  readonly #now: () => number;
  readonly #mtime: (path: string) => number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #lastActivity: number | undefined;
  #stoppedAt: number | undefined;
  #afterStopPending = false;

  /** The agent is (re)made by `workspace up`/`start`, or restarted with a resumed host: that is activity too. */
  readonly #createdAt: number;

  constructor(options: IdleStopOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#mtime = options.mtime ?? fileMtime;
    this.#createdAt = this.#now();
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.check(), this.#o.intervalMs ?? 10_000);
    this.#timer.unref();
    void this.check();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The activity file's time, for the agent's own `lastActivityAt` (a machine's idle stop reads it). */
  fileActivity(): number | undefined {
    return this.#o.activityFile ? this.#mtime(this.#o.activityFile) : undefined;
  }

  state(): IdleStopState {
    const last = iso(this.#lastActivity);
    const stopped = iso(this.#stoppedAt);
    return { container: this.#o.container, timeoutSeconds: this.#o.timeoutSeconds, ...(last ? { lastActivityAt: last } : {}), ...(stopped ? { stoppedAt: stopped } : {}) };
  }

  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #afterStop(): Promise<void> {
    (this.#o.logger ?? silentLogger).info({ container: this.#o.container }, 'stopping the idle host');
    await this.#o.afterStop!();
    this.#afterStopPending = false;
  }

  async #check(): Promise<void> {
    const log = this.#o.logger ?? silentLogger;
    try {
      if (this.#afterStopPending) return await this.#afterStop();
      const details = await this.#o.docker.inspectContainer(this.#o.container);
      if (!details.State?.Running) return;
      const started = Date.parse(details.State.StartedAt ?? '');
      if (this.#stoppedAt !== undefined && started > this.#stoppedAt) this.#stoppedAt = undefined;
      const times = [this.#createdAt, Number.isNaN(started) ? undefined : started, this.#o.tunnelActivity(), this.fileActivity()].filter((t): t is number => t !== undefined);
      this.#lastActivity = times.length ? Math.max(...times) : undefined;
      const idleMs = this.#now() - (this.#lastActivity ?? this.#now());
      if (idleMs < this.#o.timeoutSeconds * 1_000) return;
      log.info({ container: this.#o.container, idleSeconds: Math.round(idleMs / 1_000) }, 'stopping the idle workspace container');
      await this.#o.docker.stopContainer(this.#o.container);
      this.#stoppedAt = this.#now();
      if (this.#o.afterStop) {
        this.#afterStopPending = true;
        await this.#afterStop();
      }
    } catch (err) {
      log.warn({ err: describeError(err), container: this.#o.container }, 'idle check failed');
    }
  }
}
