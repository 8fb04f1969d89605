import { setTimeout as sleep } from 'node:timers/promises';
import { COMPOSE_LABELS } from '@preevy/tunnel-protocol';
import { backoffDelay } from './backoff.js';
import { discoverTunnels, type DesiredTunnel, type DiscoveryOptions } from './discovery.js';
import type { DockerEngine, DockerEvent, DockerFilters } from './docker-engine-client.js';
import { describeError } from './errors.js';
import { silentLogger, type AgentLogger } from './logger.js';

/** Container actions that can change which tunnels are wanted or where they point. */
const CONTAINER_ACTIONS = ['start', 'die', 'stop', 'kill', 'destroy', 'rename', 'pause', 'unpause', 'update'] as const;
/** A container joining or leaving a network changes its address. */
const NETWORK_ACTIONS = ['connect', 'disconnect'] as const;

export interface ServiceWatcherOptions {
  docker: Pick<DockerEngine, 'listContainers' | 'events'>;
  discovery: DiscoveryOptions;
  /** Called with the full desired list whenever it or the deploy time differs from the previous one (first listing included). */
  onChange: (tunnels: DesiredTunnel[], project: { deployedAt?: string }) => void;
  logger?: AgentLogger;
  /** Events within this window are coalesced into one listing: a compose up starts many containers at once. */
  debounceMs?: number;
  /** A burst of events never delays the listing by more than this. */
  maxDelayMs?: number;
  /** Safety net: re-list this often even without events (an event can be lost while reconnecting). */
  resyncMs?: number;
  random?: () => number;
}

/**
 * Lists the project's containers once, then re-lists on Docker events (debounced) and reports the
 * desired tunnels when they change. The event stream is re-opened whenever it breaks, and every
 * (re)subscription is followed by a listing so nothing that happened in between is missed.
 */
export class ServiceWatcher implements AsyncDisposable {
  readonly #docker: ServiceWatcherOptions['docker'];
  readonly #discovery: DiscoveryOptions;
  readonly #onChange: ServiceWatcherOptions['onChange'];
  readonly #log: AgentLogger;
  readonly #debounceMs: number;
  readonly #maxDelayMs: number;
  readonly #resyncMs: number;
  readonly #random: () => number;
  readonly #abort = new AbortController();

  #current: DesiredTunnel[] | undefined;
  #currentKey = '';
  #warningsKey = '';
  #timer: NodeJS.Timeout | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #firstPendingAt: number | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #eventsLoop: Promise<void> | undefined;
  #lastError: string | undefined;

  constructor(options: ServiceWatcherOptions) {
    this.#docker = options.docker;
    this.#discovery = options.discovery;
    this.#onChange = options.onChange;
    this.#log = options.logger ?? silentLogger;
    this.#debounceMs = options.debounceMs ?? 300;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000;
    this.#resyncMs = options.resyncMs ?? 30_000;
    this.#random = options.random ?? Math.random;
  }

  /** Why the last listing or event subscription failed; cleared by the next successful listing. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** The last desired list, or undefined before the first successful listing. */
  get current(): DesiredTunnel[] | undefined {
    return this.#current;
  }

  /** Starts following events; the first listing follows immediately. Never throws: failures are retried. */
  start(): void {
    if (this.#eventsLoop) return;
    this.#eventsLoop = this.#followEvents();
    this.#resyncTimer = setInterval(() => this.#schedule(0), this.#resyncMs);
    this.#resyncTimer.unref();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    clearTimeout(this.#timer);
    clearInterval(this.#resyncTimer);
    await this.#eventsLoop;
    await this.#refreshing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #followEvents(): Promise<void> {
    const signal = this.#abort.signal;
    const filters: DockerFilters = { type: ['container', 'network'], event: [...CONTAINER_ACTIONS, ...NETWORK_ACTIONS] };
    let attempt = 0;
    while (!signal.aborted) {
      try {
        const events = this.#docker.events(filters, signal)[Symbol.asyncIterator]();
        // The request goes out on the first next(); list right after, so an event racing the
        // subscription is covered by this listing.
        const first = events.next();
        this.#schedule(0);
        for (let r = await first; !r.done; r = await events.next()) {
          attempt = 0;
          if (this.#isRelevant(r.value)) this.#schedule();
        }
      } catch (err) {
        if (signal.aborted) break;
        this.#lastError = describeError(err);
        this.#log.warn({ err: this.#lastError, attempt }, 'Docker event stream failed; reconnecting');
      }
      if (signal.aborted) break;
      try {
        await sleep(backoffDelay(attempt, { baseMs: 250, capMs: 5_000 }, this.#random), undefined, { signal });
      } catch {
        break; // aborted
      }
      attempt += 1;
    }
  }

  #isRelevant(event: DockerEvent): boolean {
    if (event.Type === 'container') return event.Actor?.Attributes?.[COMPOSE_LABELS.project] === this.#discovery.project;
    // Network events carry the network's labels, not the container's: re-list, it is cheap.
    return event.Type === 'network';
  }

  /** Trailing debounce with a ceiling, so a steady stream of events cannot postpone the listing forever. */
  #schedule(delay = this.#debounceMs): void {
    if (this.#abort.signal.aborted) return;
    const now = Date.now();
    this.#firstPendingAt ??= now;
    clearTimeout(this.#timer);
    const wait = Math.max(0, Math.min(delay, this.#firstPendingAt + this.#maxDelayMs - now));
    this.#timer = setTimeout(() => {
      this.#firstPendingAt = undefined;
      this.#refresh();
    }, wait);
  }

  /** One listing at a time; a request during a listing runs one more afterwards. */
  #refresh(): void {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        await this.#listOnce();
      } while (this.#refreshAgain && !this.#abort.signal.aborted);
    })().finally(() => {
      this.#refreshing = undefined;
    });
  }

  async #listOnce(): Promise<void> {
    let result;
    try {
      const containers = await this.#docker.listContainers({ label: [`${COMPOSE_LABELS.project}=${this.#discovery.project}`] });
      result = discoverTunnels(containers, this.#discovery);
    } catch (err) {
      // The event loop re-lists when it reconnects; the periodic resync covers the rest.
      this.#lastError = describeError(err);
      this.#log.warn({ err: this.#lastError }, 'listing the compose project containers failed');
      return;
    }
    if (this.#abort.signal.aborted) return;
    this.#lastError = undefined;
    const warningsKey = JSON.stringify(result.warnings);
    if (warningsKey !== this.#warningsKey) {
      this.#warningsKey = warningsKey;
      for (const warning of result.warnings) this.#log.warn({ project: this.#discovery.project }, warning);
    }
    const key = JSON.stringify([result.tunnels, result.deployedAt]);
    if (this.#current !== undefined && key === this.#currentKey) return;
    this.#current = result.tunnels;
    this.#currentKey = key;
    this.#log.info({ tunnels: result.tunnels.map((t) => ({ service: t.service, port: t.port, access: t.access, target: `${t.target.host}:${t.target.port}` })) }, 'desired tunnels changed');
    try {
      this.#onChange(result.tunnels, result.deployedAt === undefined ? {} : { deployedAt: result.deployedAt });
    } catch (err) {
      this.#log.error({ err: describeError(err) }, 'applying the desired tunnels failed');
    }
  }
}
