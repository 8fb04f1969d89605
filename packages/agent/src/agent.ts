import { fileMtime } from './activity-file.js';
import type { AgentConfig } from './config.js';
import { DockerEngineClient, type DockerEngine } from './docker-engine-client.js';
import { IdleStopper } from './idle-stop.js';
import { scaleDeployment } from './kube-scale.js';
import { describeError } from './errors.js';
import { silentLogger, type AgentLogger } from './logger.js';
import { ServiceWatcher } from './service-watcher.js';
import { writeStateFile } from './state-file.js';
import { startStateServer, toAgentState, type AgentState, type StateServer } from './state-server.js';
import { TunnelClient, type TunnelClientOptions } from './tunnel-client.js';

export type AgentOptions = Omit<AgentConfig, 'logLevel' | 'dockerSocketPath'> & {
  dockerSocketPath?: string;
  logger?: AgentLogger;
  /** The Docker engine to watch (default: the unix socket client). */
  docker?: DockerEngine;
  /** Where to keep a copy of the state on every change (the container's AGENT_STATE_FILE); none: no file. */
  stateFile?: string;
  /** How often the activity file is looked at, to keep the state file's `lastActivityAt` current (default 10 s). */
  activityPollMs?: number;
  /** The activity file's mtime in ms (default: stat). */
  mtime?: (path: string) => number | undefined;
  /** Passed to the tunnel client: tests inject sockets, randomness and faster backoff. */
  tunnel?: Pick<TunnelClientOptions, 'connectServer' | 'connectTarget' | 'random' | 'backoff' | 'keepaliveIntervalMs' | 'readyTimeoutMs'>;
};

export interface Agent extends AsyncDisposable {
  /** Starts the state endpoint, then the tunnel connection and the service watcher. */
  start(): Promise<void>;
  state(): AgentState;
  /** Where the state endpoint listens, once started. */
  readonly stateAddress: { host: string; port: number } | undefined;
  /** Cancels forwards, closes SSH and the state endpoint; bounded by `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Composes the agent: service watcher -> tunnel client -> state endpoint. */
export const createAgent = (options: AgentOptions): Agent => {
  const log = options.logger ?? silentLogger;
  const tunnel = new TunnelClient({
    server: options.server,
    envId: options.envId,
    privateKey: options.privateKey,
    hostKey: options.hostKey,
    logger: log,
    ...(options.envInfo ? { envInfo: options.envInfo } : {}),
    ...options.tunnel,
    onStateChange: (s) => {
      log.debug({ status: s.status, lastError: s.lastError }, 'tunnel state');
      saveState();
    },
  });
  const engine = options.docker ?? new DockerEngineClient(options.dockerSocketPath ? { socketPath: options.dockerSocketPath } : {});
  const watcher = new ServiceWatcher({
    docker: engine,
    discovery: {
      project: options.project,
      defaultAccess: options.defaultAccess,
      ...(options.agentService ? { agentService: options.agentService } : {}),
      ...(options.agentNetworks ? { agentNetworks: options.agentNetworks } : {}),
    },
    logger: log,
    onChange: (desired, project) => {
      tunnel.reconcile(desired, project).catch((err: unknown) => log.error({ err: describeError(err) }, 'reconciling tunnels failed'));
    },
  });
  const mtime = options.mtime ?? fileMtime;
  const fileActivity = (): number | undefined => (options.activityFile ? mtime(options.activityFile) : undefined);
  const scaleRef = options.idleStop?.scaleDeployment;
  const idle = options.idleStop
    ? new IdleStopper({
        ...options.idleStop,
        ...(scaleRef ? { afterStop: () => scaleDeployment(scaleRef, 0) } : {}),
        ...(options.activityFile ? { activityFile: options.activityFile } : {}),
        mtime,
        docker: engine,
        logger: log,
        tunnelActivity: () => {
          const at = tunnel.state().lastActivityAt;
          return at === undefined ? undefined : Date.parse(at);
        },
      })
    : undefined;
  let stateServer: StateServer | undefined;
  let stopping: Promise<void> | undefined;
  let activityTimer: NodeJS.Timeout | undefined;
  const state = (): AgentState => {
    const s = toAgentState(tunnel.state(), watcher.lastError);
    // The activity file counts as activity for whoever reads lastActivityAt (a machine's idle stop).
    const times = [s.lastActivityAt ? Date.parse(s.lastActivityAt) : undefined, fileActivity()].filter((t): t is number => t !== undefined);
    return { ...s, ...(times.length ? { lastActivityAt: new Date(Math.max(...times)).toISOString() } : {}), ...(idle ? { idleStop: idle.state() } : {}) };
  };
  /** The state file changes with the tunnel; a touched activity file must reach it too (a machine's idle stop reads the file). */
  const watchActivityFile = (): void => {
    if (!options.activityFile || !options.stateFile) return;
    let seen = fileActivity();
    activityTimer = setInterval(() => {
      const now = fileActivity();
      if (now === seen) return;
      seen = now;
      saveState();
    }, options.activityPollMs ?? 10_000);
    activityTimer.unref();
  };
  // A failed write costs only the fast path: readers fall back to `preevy-agent state`.
  function saveState(): void {
    if (!options.stateFile) return;
    try {
      writeStateFile(options.stateFile, state());
    } catch (err) {
      log.warn({ err: describeError(err), file: options.stateFile }, 'could not write the state file');
    }
  }

  const stop = (timeoutMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      // Watcher first, so no reconcile re-requests a forward while we cancel them.
      idle?.stop();
      clearInterval(activityTimer);
      await watcher.stop();
      await tunnel.stop(Math.max(500, timeoutMs - 500));
      await stateServer?.close();
    })();
    return stopping;
  };

  return {
    async start() {
      stateServer = await startStateServer({ ...options.state, getState: state });
      log.info({ state: stateServer.address, project: options.project, envId: options.envId, server: options.server }, 'agent started');
      saveState();
      tunnel.start();
      watcher.start();
      idle?.start();
      watchActivityFile();
    },
    state,
    get stateAddress() {
      return stateServer?.address;
    },
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
};
