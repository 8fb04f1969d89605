import type { ProgressReporter } from '../progress.js';

/** A Docker host that runs one environment, as its driver recorded it (kept in the env record). */
export interface DockerHost {
  driver: string;
  envId: string;
  /** Driver-specific, JSON-serialisable: what `connect` and `removeHost` need later. */
  state: Record<string, unknown>;
}

/** A host as the infrastructure lists it; `lastUpAt` (ISO time) when the driver keeps when an `up` last ran there. */
export interface ListedHost extends DockerHost {
  lastUpAt?: string;
  /** What `ls` shows of the host itself, e.g. `running t3.small`. */
  summary?: string;
  /** When the host last saw activity (a visitor, a preevy command), when it keeps that (ISO time). */
  lastActivityAt?: string;
}

/**
 * A live connection to a Docker host. `dockerHost` is what the docker CLI gets as DOCKER_HOST
 * (undefined: the CLI's own default); any forward behind it binds 127.0.0.1 only.
 */
export interface DockerConnection extends AsyncDisposable {
  dockerHost: string | undefined;
  /**
   * True when the engine reads bind-mount sources from this machine's file system (the local
   * engine): no sync, no image transfer. Said by the driver, never guessed from the URL.
   */
  seesLocalFiles: boolean;
  /**
   * True when the host stops itself once idle (EC2's inactivity timeout), judging by its agents'
   * `lastActivityAt`: a workspace there needs its agent even without ports, so SSH sessions count.
   */
  stopsWhenIdle?: boolean;
  /**
   * When the host was made able to stop itself after its workspace idles (`EnsureHostRequest.idleSelfStop`,
   * kube-pod with a volume): what the agent beside the workspace needs for that. Undefined: the host keeps running.
   */
  idleSelfStop?: () => Promise<HostSelfStop | undefined>;
}

/** How an agent on the host stops the host itself: scale its Deployment to zero (kube-pod; the volume stays). */
export interface HostSelfStop {
  scaleDeployment: { namespace: string; name: string };
  /** Environment the agent needs to reach the API (e.g. KUBERNETES_SERVICE_HOST/PORT as the host sees them). */
  env: Record<string, string>;
  /** Host paths bind-mounted read-only into the agent at the same path (the pod's service-account token). */
  mounts: string[];
}

/** The environment of a docker CLI process bound to the connection's engine: the one place DOCKER_HOST is set. */
export const dockerEnv = (conn: Pick<DockerConnection, 'dockerHost'>, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => {
  const env = { ...base };
  if (conn.dockerHost) env.DOCKER_HOST = conn.dockerHost;
  else delete env.DOCKER_HOST;
  return env;
};

export interface EnsureHostRequest {
  envId: string;
  profileId: string;
  /** From labels.ts: every resource the driver creates carries them. */
  labels: Record<string, string>;
  progress: ProgressReporter;
  /** What the env record kept from the last `ensureHost` (absent on a runner with an empty store: use `findHost`). */
  previous?: DockerHost | undefined;
  /** Aborted on Ctrl-C: waits stop at once and nothing more is created. */
  signal?: AbortSignal | undefined;
  /**
   * A workspace with an idle timeout runs there: a driver that can let the host stop itself once
   * the workspace idles (kube-pod with a volume: scale to zero) sets that up; the next ensureHost resumes it.
   */
  idleSelfStop?: boolean | undefined;
}

/** Where the agent will dial the tunnel server (host name or address, and port). */
export interface TunnelAddress {
  host: string;
  port: number;
}

/** Whether the agent on a driver's host can reach an address; when not, why and what to do. */
export type Reachability = { ok: true } | { ok: false; reason: string; suggestions: string[] };

/** What every driver implements: create or reuse a host, connect to it, find it, remove it. */
export interface DockerHostDriver {
  readonly name: string;
  /**
   * True when each environment has a host of its own (a pod, a VM): removing the host removes
   * everything on it, and the host is found by labels from any machine.
   */
  readonly hostPerEnvironment: boolean;
  /** Answers before anything is created, so an unreachable tunnel server fails `up` at once. */
  agentReaches(address: TunnelAddress): Reachability;
  ensureHost(request: EnsureHostRequest): Promise<DockerHost>;
  connect(host: DockerHost): Promise<DockerConnection>;
  /** Removes what `ensureHost` created; idempotent. */
  removeHost(host: DockerHost, options?: { signal?: AbortSignal | undefined }): Promise<void>;
  /** The hosts of a profile's environments as the infrastructure knows them (by labels), not the local store. */
  listHosts(filter: { profileId: string }): Promise<ListedHost[]>;
  /** One environment's host, by labels; undefined when none exists. */
  findHost(filter: { profileId: string; envId: string }): Promise<DockerHost | undefined>;
}

/** A framework-neutral description of one driver option; the CLI turns these into `--<driver>-<name>` flags. */
export interface DriverOptionDescriptor {
  name: string;
  type: 'string' | 'number' | 'boolean';
  description: string;
  /** Environment variable that sets it (below a flag, above x-preevy). */
  env?: string;
  default?: string | number | boolean;
  /** A file path: a relative one from `x-preevy` is resolved from the compose file's directory, from other layers from the working directory. */
  path?: boolean;
}

/** What a driver may ask of the profile it runs for, read only when asked. */
export interface DriverContext {
  /** The profile's key: a VM driver imports the public half and logs in with the private one (never logged). */
  profileKey?: () => Promise<{ publicKey: string; privateKey: string }>;
}

export interface DriverFactory<Options extends Record<string, unknown> = Record<string, unknown>> {
  readonly name: string;
  readonly options: readonly DriverOptionDescriptor[];
  create(options: Options, context?: DriverContext): DockerHostDriver;
}

/** What a command knows when it picks the driver: the project's `x-preevy` and the environment's record. */
export interface DriverChoice {
  /** `x-preevy.driver` and `x-preevy.drivers` of the loaded project. */
  project?: { driver?: string | undefined; drivers?: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined } | undefined;
  /** The compose file's directory: relative paths in `x-preevy` start there. */
  projectDir?: string | undefined;
  /** The driver the environment was made with. */
  recorded?: string | undefined;
}

/** Picks and creates the driver (the CLI's registry, with its flags and the profile). */
export type DriverResolver = (choice: DriverChoice) => Promise<DockerHostDriver>;
