import { dockerEnv, type DockerHostDriver, type DriverFactory, type DriverOptionDescriptor } from '../../driver/docker-host-driver.js';
import { PreevyError } from '../../errors/preevy-error.js';
import { pingsOnSocket } from '../../images/engine-socket.js';
import { execFileRunner, ProcessStartError, type ProcessRunner } from '../../process/process-runner.js';

export interface DockerDriverOptions extends Record<string, unknown> {
  /** `unix:///…`, `tcp://host:port` or `ssh://user@host`; undefined: the docker CLI's default. */
  host?: string | undefined;
}

const OPTIONS: readonly DriverOptionDescriptor[] = [
  { name: 'host', type: 'string', env: 'DOCKER_HOST', description: 'Docker endpoint: unix:///path, tcp://host:port or ssh://user@host (default: the local engine).' },
];

const SUPPORTED = /^(unix|tcp|ssh|npipe):\/\//;

/**
 * The built-in driver: any Docker endpoint the docker CLI can reach. Nothing to create, so
 * `ensureHost` only proves the endpoint answers, and `removeHost` has nothing to remove.
 */
export const createDockerDriver = (options: DockerDriverOptions, run: ProcessRunner = execFileRunner, pings: (dockerHost: string | undefined) => Promise<boolean> = pingsOnSocket): DockerHostDriver => {
  const dockerHost = options.host || undefined;
  if (dockerHost !== undefined && !SUPPORTED.test(dockerHost)) {
    throw new PreevyError(`Unsupported Docker host "${dockerHost}"`, {
      code: 'DOCKER_HOST_INVALID',
      kind: 'invalid-input',
      suggestions: ['Use unix:///var/run/docker.sock, tcp://HOST:PORT or ssh://USER@HOST.'],
    });
  }
  return {
    name: 'docker',
    hostPerEnvironment: false,
    // The agent runs on this engine; whether a remote engine reaches the server is not knowable here.
    agentReaches: () => ({ ok: true }),
    async ensureHost({ envId, progress }) {
      await progress.step(`Checking Docker at ${dockerHost ?? 'the local engine'}`, async () => {
        // A ping on the socket when there is one to ask; the CLI otherwise, and for every failure's message.
        if (await pings(dockerHost)) return;
        const res = await run('docker', ['version', '--format', '{{.Server.Version}}'], { env: dockerEnv({ dockerHost }), timeoutMs: 30_000 }).catch((err: unknown) => {
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
      const endpoint = recorded ?? dockerHost;
      // A unix socket is on this machine, so its engine reads bind sources from our files.
      return { dockerHost: endpoint, seesLocalFiles: !endpoint || endpoint.startsWith('unix://'), [Symbol.asyncDispose]: async () => {} };
    },
    async removeHost() {},
    // One engine serves many environments and profiles: the local store is the list.
    async listHosts() {
      return [];
    },
    async findHost() {
      return undefined;
    },
  };
};

export const dockerDriver: DriverFactory<DockerDriverOptions> = {
  name: 'docker',
  options: OPTIONS,
  create: (options) => createDockerDriver(options),
};
