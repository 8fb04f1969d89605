import type { DockerHostDriver, DriverFactory, DriverOptionDescriptor } from '../../driver/docker-host-driver.js';
import { PreevyError } from '../../errors/preevy-error.js';
import { execFileRunner, ProcessStartError, type ProcessRunner } from '../../process/process-runner.js';

export interface DockerDriverOptions extends Record<string, unknown> {
  /** `unix:///…`, `tcp://host:port` or `ssh://user@host`; undefined: the docker CLI's default. */
  'docker-host'?: string | undefined;
}

const OPTIONS: readonly DriverOptionDescriptor[] = [
  { name: 'docker-host', type: 'string', env: 'DOCKER_HOST', description: 'Docker endpoint: unix:///path, tcp://host:port or ssh://user@host (default: the local engine).' },
];

const SUPPORTED = /^(unix|tcp|ssh|npipe):\/\//;

/**
 * The built-in driver: any Docker endpoint the docker CLI can reach. Nothing to create, so
 * `ensureHost` only proves the endpoint answers, and `removeHost` has nothing to remove.
 */
export const createDockerDriver = (options: DockerDriverOptions, run: ProcessRunner = execFileRunner): DockerHostDriver => {
  const dockerHost = options['docker-host'] || undefined;
  if (dockerHost !== undefined && !SUPPORTED.test(dockerHost)) {
    throw new PreevyError(`Unsupported Docker host "${dockerHost}"`, {
      code: 'DOCKER_HOST_INVALID',
      kind: 'invalid-input',
      suggestions: ['Use unix:///var/run/docker.sock, tcp://HOST:PORT or ssh://USER@HOST.'],
    });
  }
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) });
  return {
    name: 'docker',
    async ensureHost({ envId, progress }) {
      await progress.step(`Checking Docker at ${dockerHost ?? 'the local engine'}`, async () => {
        const res = await run('docker', ['version', '--format', '{{.Server.Version}}'], { env: env(), timeoutMs: 30_000 }).catch((err: unknown) => {
          if (err instanceof ProcessStartError) {
            throw new PreevyError('The docker CLI is not installed or not on PATH', { code: 'DOCKER_CLI_MISSING', kind: 'unavailable', suggestions: ['Install Docker (the CLI and Compose v2).'], cause: err });
          }
          throw err;
        });
        if (res.exitCode !== 0) {
          throw new PreevyError(`Docker at ${dockerHost ?? 'the local engine'} did not answer`, {
            code: 'DOCKER_UNREACHABLE',
            kind: 'unavailable',
            suggestions: dockerHost
              ? [`Check that ${dockerHost} is reachable and its Docker engine runs.`, 'Or run without --docker-host to use the local engine.']
              : ['Start the Docker engine (for example `sudo systemctl start docker`).', 'Or point preevy at another engine with --docker-host.'],
            cause: new Error(res.stderr.trim()),
          });
        }
      });
      return { driver: 'docker', envId, state: dockerHost ? { dockerHost } : {} };
    },
    async connect(host) {
      const recorded = typeof host.state.dockerHost === 'string' ? host.state.dockerHost : undefined;
      return { dockerHost: recorded ?? dockerHost, [Symbol.asyncDispose]: async () => {} };
    },
    async removeHost() {},
  };
};

export const dockerDriver: DriverFactory<DockerDriverOptions> = {
  name: 'docker',
  options: OPTIONS,
  create: (options) => createDockerDriver(options),
};
