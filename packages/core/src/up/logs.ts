import { AGENT_SERVICE } from '@preevy/tunnel-protocol';
import { dockerEnv, type DriverResolver } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { Profile } from '../profiles/profile-store.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { spawnAttached, type AttachedRunner } from '../process/spawn-attached.js';
import { dockerCli } from './agent-state-reader.js';
import { dockerProcessRunner } from '../process/compose-plugin.js';

export interface LogsRequest {
  envId: string;
  /** Only these services; none: every service but the agent. */
  services?: readonly string[];
  follow?: boolean;
  /** Lines from the end of each service's log. */
  tail?: number | undefined;
  /** Compose's `--since`: a timestamp (2024-01-02T15:04:05) or a duration (10m). */
  since?: string | undefined;
  timestamps?: boolean;
}

export interface LogsDeps {
  /** The records of `profile`: `logs` finds the environment's compose project there. */
  envs: EnvRecordStore;
  profile: Profile;
  /** Called with the driver the environment was recorded with. */
  driver: DriverResolver;
  run?: ProcessRunner;
  attach?: AttachedRunner;
}

export interface LogsResult {
  envId: string;
  services: string[];
  /** Of `docker compose logs`: 130 when the user stopped `--follow` with Ctrl-C. */
  exitCode: number;
}

/** The `docker compose logs` command line: pure, so the flag mapping is testable without Docker. */
export const composeLogsArgs = (project: string, services: readonly string[], r: Omit<LogsRequest, 'envId' | 'services'>): string[] => [
  'compose',
  '-p',
  project,
  'logs',
  ...(r.follow ? ['--follow'] : []),
  ...(r.tail !== undefined ? ['--tail', String(r.tail)] : []),
  ...(r.since ? ['--since', r.since] : []),
  ...(r.timestamps ? ['--timestamps'] : []),
  ...services,
];

/** Which services to show: the named ones (checked), else all but the agent, whose log is preevy's plumbing. */
export const selectLogServices = (deployed: readonly string[], requested: readonly string[]): string[] => {
  if (!requested.length) return deployed.filter((s) => s !== AGENT_SERVICE);
  const unknown = requested.filter((s) => !deployed.includes(s));
  if (unknown.length) {
    throw new PreevyError(`No service named ${unknown.join(', ')} in the environment`, {
      code: 'SERVICE_NOT_FOUND',
      kind: 'not-found',
      suggestions: [`Services: ${deployed.join(', ') || 'none (run `preevy up`)'}.`],
    });
  }
  return [...requested];
};

/**
 * `preevy logs`: the services' logs from the environment's Docker host, streamed to this
 * process's stdout as compose prints them (compose finds the containers by project label, so
 * no compose file is needed).
 */
export const logs = async (request: LogsRequest, { envs, profile, driver, run = dockerProcessRunner, attach = spawnAttached }: LogsDeps): Promise<LogsResult> => {
  const { envId } = request;
  const record = await envs.read(envId);
  if (!record) {
    throw new PreevyError(`No environment ${envId} in profile ${profile.name}`, { code: 'ENV_NOT_FOUND', kind: 'not-found', suggestions: ['List environments with `preevy ls`.'] });
  }
  const { composeProject: project } = record;
  const hostDriver = await driver({ recorded: record.driver });
  await using conn = await hostDriver.connect(record.host ?? { driver: hostDriver.name, envId, state: {} });
  const env = dockerEnv(conn);
  const ps = await dockerCli(run, conn.dockerHost)(['compose', '-p', project, 'ps', '--all', '--services']);
  if (ps.exitCode !== 0) {
    throw new PreevyError(`Could not list the services of ${envId}`, { code: 'DOCKER_UNREACHABLE', kind: 'unavailable', suggestions: ['Check that the Docker host answers.'], cause: new Error(ps.stderr.trim()) });
  }
  const services = selectLogServices(ps.stdout.split('\n').filter(Boolean), request.services ?? []);
  if (!services.length) return { envId, services, exitCode: 0 };
  const exitCode = await attach('docker', composeLogsArgs(project, services, request), { env });
  // 130/143: the user stopped `--follow`; anything else means compose could not show the logs.
  if (exitCode !== 0 && exitCode !== 130 && exitCode !== 143) {
    throw new PreevyError(`docker compose logs failed (exit code ${exitCode})`, { code: 'COMPOSE_LOGS_FAILED', kind: 'unavailable', suggestions: ['Read the compose output above.', 'Check that the Docker host answers.'] });
  }
  return { envId, services, exitCode };
};
