import type { TunnelAccess } from '@preevy/tunnel-protocol';
import type { ComposeRequest } from '../compose/compose-request.js';
import type { DockerHost, DockerHostDriver, DriverResolver } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { DriverOptionTypes } from '../compose/validate-preevy-config.js';
import type { ImageContext } from '../images/ensure-image.js';
import type { Logger } from '../logger.js';
import type { Profile, ProfileStore } from '../profiles/profile-store.js';
import type { ProcessPipe } from '../process/pipe-processes.js';
import type { ProcessRunner } from '../process/process-runner.js';
import type { ProgressReporter } from '../progress.js';
import type { SyncCounts } from '../sync/sync-bind-mounts.js';
import type { TunnelEndpoint } from './agent-service.js';
import type { Poll, PollClock } from './poll-until.js';

export interface UpRequest {
  compose: ComposeRequest;
  /** `--id`; else derived from the project and the git branch or CI. */
  envId?: string | undefined;
  /** Deploy only these services (and what they depend on). */
  services?: readonly string[];
  /** Base image of the agent (default: x-preevy `agent.baseImage`, else the public Node.js image). */
  agentBaseImage?: string | undefined;
  /** Image (sh and tar) of the helpers that copy bind-mounted files to a remote Docker host (default: busybox). */
  syncImage?: string | undefined;
  /** `--load-image`: more images the local engine sends to a host that cannot see local files (e.g. a build's base image). */
  loadImages?: readonly string[] | undefined;
  /** `--build-local`: on a host that cannot see local files, build the services with `build:` on the local engine and send the images. */
  buildLocal?: boolean | undefined;
  timeouts?: { tunnelsMs?: number; probeMs?: number };
  /** Aborted when the user interrupts (Ctrl-C): compose is stopped and `up` fails with INTERRUPTED. */
  signal?: AbortSignal | undefined;
}

export interface UpDeps {
  store: ProfileStore;
  profile: Profile;
  /** Picks the driver once the project's x-preevy is known. */
  driver: DriverResolver;
  /** The option types of every driver there is, so `x-preevy.drivers` is checked with the project. */
  driverOptionTypes: DriverOptionTypes;
  /** Called once the Docker host answers: no tunnel server is started for an environment that cannot run. */
  tunnel: (projectTunnelUrl: string | undefined) => Promise<TunnelEndpoint>;
  /** A promise lets the caller load it while the compose project loads; awaited by the agent image step. */
  agentImage: ImageContext | Promise<ImageContext>;
  progress: ProgressReporter;
  logger: Logger;
  run?: ProcessRunner;
  /** Streams one program into another (docker save | docker load). */
  pipe?: ProcessPipe;
  env?: NodeJS.ProcessEnv;
  /** Time for the polls (agent state, URL probes); default: real time. */
  clock?: PollClock;
}

export interface ServiceUrl {
  service: string;
  port: number;
  url: string;
  access: TunnelAccess;
  /** HTTP status of the last probe through the tunnel. */
  httpStatus: number;
}

export interface UpResult {
  envId: string;
  project: string;
  profile: string;
  urls: ServiceUrl[];
  /** On a remote Docker host: what syncing the bind-mounted files did. */
  sync?: SyncCounts & { paths: number };
  /** On a host that cannot see local files: the images the local engine sent, or found already there. */
  images?: HostImage[];
  /** Bytes of every image sent. */
  imageBytes?: number;
}

/** An image `up` made sure a remote host has: `sent` false when the host already had the same id. */
export interface HostImage {
  image: string;
  sent: boolean;
  bytes: number;
}

/** What the steps before the driver is chosen share: the request and the side effects, defaults filled in. */
export interface UpBaseContext extends Required<Omit<UpDeps, 'tunnel' | 'agentImage' | 'driver'>> {
  request: UpRequest;
  /** `pollUntil` over `clock`: the one way `up` waits for something. */
  poll: Poll;
}

/** What every step of `up` shares once the project chose its driver. */
export interface UpContext extends UpBaseContext {
  driver: DockerHostDriver;
}

/** The environment the steps work on, once the project is loaded. */
export interface UpTarget {
  envId: string;
  /** The compose project name of the environment (today: the env id). */
  project: string;
  labels: Record<string, string>;
  /** The host `ensureHost` returned, once it did: the record keeps it. */
  host?: DockerHost | undefined;
  /** Throws INTERRUPTED when the user pressed Ctrl-C: every step checks it before changing anything. */
  stopIfInterrupted: () => void;
  interrupted: () => PreevyError;
}

export const interruptedError = (envId: string): PreevyError =>
  new PreevyError(`Interrupted: ${envId} is partly deployed`, {
    code: 'INTERRUPTED',
    kind: 'interrupted',
    suggestions: ['Run `preevy up` again: it resumes.', `Or remove what was created: preevy down --id ${envId}`],
  });
