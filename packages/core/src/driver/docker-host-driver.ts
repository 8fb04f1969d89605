import type { ProgressReporter } from '../progress.js';

/** A Docker host that runs one environment, as its driver recorded it (kept in the env record). */
export interface DockerHost {
  driver: string;
  envId: string;
  /** Driver-specific, JSON-serialisable: what `connect` and `removeHost` need later. */
  state: Record<string, unknown>;
}

/**
 * A live connection to a Docker host. `dockerHost` is what the docker CLI gets as DOCKER_HOST
 * (undefined: the CLI's own default); any forward behind it binds 127.0.0.1 only.
 */
export interface DockerConnection extends AsyncDisposable {
  dockerHost: string | undefined;
}

export interface EnsureHostRequest {
  envId: string;
  profileId: string;
  /** From labels.ts: every resource the driver creates carries them. */
  labels: Record<string, string>;
  progress: ProgressReporter;
}

/** What every driver implements: create or reuse a host, connect to it, remove it. */
export interface DockerHostDriver {
  readonly name: string;
  ensureHost(request: EnsureHostRequest): Promise<DockerHost>;
  connect(host: DockerHost): Promise<DockerConnection>;
  /** Removes what `ensureHost` created; idempotent. */
  removeHost(host: DockerHost): Promise<void>;
}

/** A framework-neutral description of one driver option; the CLI turns these into `--<driver>-<name>` flags. */
export interface DriverOptionDescriptor {
  name: string;
  type: 'string' | 'number' | 'boolean';
  description: string;
  /** Environment variable that sets it (below a flag, above x-preevy). */
  env?: string;
  default?: string | number | boolean;
}

export interface DriverFactory<Options extends Record<string, unknown> = Record<string, unknown>> {
  readonly name: string;
  readonly options: readonly DriverOptionDescriptor[];
  create(options: Options): DockerHostDriver;
}
