import { PreevyError, remoteAgentReaches, type DockerHost, type DockerHostDriver, type DriverFactory, type TunnelAddress } from '@preevy/core';
import { keyFingerprint } from '@preevy/tunnel-protocol';
import { SSH_OPTIONS, type SshDriverOptions } from './options.js';
import { checkDockerAnswers, forwardDockerSocket, type SshDockerConnection } from './ssh/docker-over-ssh.js';
import { pinInForce, type SshHostKeyPin } from './ssh/host-key-pin.js';
import { noProxyCommand } from './ssh/proxy-command.js';
import { sshAuth, type SshAuth, type SshAuthSources } from './ssh/ssh-auth.js';
import { openSshSession, type ProxySpawner, type SshSession } from './ssh/ssh-session.js';
import { formatSshTarget, parseSshTarget, type SshTarget } from './ssh/ssh-target.js';

/** What the env record keeps of an ssh host: where it is, the key it showed, and how to reach its engine. */
export interface SshHostState extends Record<string, unknown> {
  /** `user@host:port`. */
  target: string;
  /** The host key line pinned at the first `up` (or given with --ssh-host-key). */
  hostKey: string;
  dockerSocket: string;
  proxyCommand?: string | undefined;
}

/** Side effects of the driver, injectable for tests. */
export interface SshDriverDeps extends Pick<SshAuthSources, 'env' | 'home' | 'read'> {
  spawnProxy?: ProxySpawner;
}

const hostMissing = (): PreevyError =>
  new PreevyError('The ssh driver needs the machine to use: no --ssh-host', {
    code: 'SSH_HOST_MISSING',
    kind: 'invalid-input',
    suggestions: ['Give --ssh-host user@host[:port] (or PREEVY_SSH_HOST, x-preevy.drivers.ssh.host, or the profile: `preevy profile create NAME --driver ssh --ssh-host user@host`).'],
  });

const recordedState = (host: DockerHost): { [K in keyof SshHostState]?: string | undefined } => {
  const s = host.state as Partial<Record<keyof SshHostState, unknown>>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return { target: str(s.target), hostKey: str(s.hostKey), dockerSocket: str(s.dockerSocket), proxyCommand: str(s.proxyCommand) };
};

/**
 * The ssh driver: an existing machine with Docker, reached over SSH. Its engine's socket is
 * forwarded to 127.0.0.1 through an ssh2 connection whose host key is pinned in the environment's
 * record (trust on first use, or --ssh-host-key). The engine is shared, like the docker driver's:
 * `down` removes the environment's containers, networks and volumes, not the machine.
 */
export const createSshDriver = (options: SshDriverOptions, deps: SshDriverDeps = {}): DockerHostDriver => {
  const timeoutMs = options['connect-timeout'] * 1000;
  let auth: Promise<SshAuth> | undefined;
  const authFor = (user: string): Promise<SshAuth> =>
    (auth ??= sshAuth(user, { identityFile: options['identity-file'], ...(deps.env ? { env: deps.env } : {}), ...(deps.home ? { home: deps.home } : {}), ...(deps.read ? { read: deps.read } : {}) }));
  const proxyFor = (recorded?: string): string | undefined => {
    // An explicit option (even `none`) wins over what the record kept.
    const text = options['proxy-command'] ?? recorded;
    return noProxyCommand(text) ? undefined : text?.trim();
  };
  const dial = async (target: SshTarget, pin: SshHostKeyPin | undefined, proxyCommand: string | undefined, signal?: AbortSignal): Promise<SshSession> =>
    openSshSession({
      target,
      auth: await authFor(target.user),
      pin,
      proxyCommand,
      timeoutMs,
      signal,
      ...(deps.spawnProxy ? { spawnProxy: deps.spawnProxy } : {}),
    });
  /** Later dials of the same connection hold the host to the key this session saw. */
  const pinOf = (session: SshSession): SshHostKeyPin => pinInForce({ recorded: session.hostKey }) as SshHostKeyPin;

  return {
    name: 'ssh',
    hostPerEnvironment: false,
    agentReaches(address: TunnelAddress) {
      return remoteAgentReaches(address, `the agent on ${options.host ?? 'the SSH host'}`);
    },

    async ensureHost({ envId, progress, previous, signal }) {
      if (!options.host) throw hostMissing();
      const target = parseSshTarget(options.host);
      const name = formatSshTarget(target);
      const prior = previous ? recordedState(previous) : {};
      // A record's pin belongs to the machine it was made on; another --ssh-host starts afresh.
      const pin = pinInForce({ option: options['host-key'], recorded: prior.target === name ? prior.hostKey : undefined });
      const dockerSocket = options['docker-socket'];
      const proxyCommand = proxyFor();
      const session = await progress.step(`Connecting to ${name} over SSH${proxyCommand ? ' through the proxy command' : ''}`, () => dial(target, pin, proxyCommand, signal));
      let conn: SshDockerConnection | undefined;
      try {
        if (session.verdict === 'first-use') {
          // Shown, never silent: the user can compare it with the host's own fingerprint.
          const fingerprint = keyFingerprint(Buffer.from(session.hostKey.split(' ')[1] ?? '', 'base64'));
          await progress.step(`Trusting the host key of ${name} on first use: ${fingerprint} (pinned in the environment's record; --ssh-host-key pins it up front)`, async () => undefined);
        }
        conn = await forwardDockerSocket(session, dockerSocket, () => dial(target, pinOf(session), proxyCommand, signal));
        const open = conn;
        await progress.step(`Checking Docker at ${dockerSocket} on ${name}`, () => checkDockerAnswers(open, session, dockerSocket));
      } finally {
        if (conn) await conn.close();
        else await session.close();
      }
      const state: SshHostState = { target: name, hostKey: session.hostKey, dockerSocket, ...(proxyCommand ? { proxyCommand } : {}) };
      return { driver: 'ssh', envId, state };
    },

    async connect(host) {
      const recorded = recordedState(host);
      const targetText = recorded.target ?? options.host;
      if (!targetText) throw hostMissing();
      const target = parseSshTarget(targetText);
      const pin = pinInForce({ option: options['host-key'], recorded: recorded.hostKey });
      if (!pin) {
        // Without a record there is nothing to check the host against: never trust silently here.
        throw new PreevyError(`No host key is pinned for ${formatSshTarget(target)} (environment ${host.envId} has no record on this machine)`, {
          code: 'SSH_HOST_KEY_NOT_PINNED',
          kind: 'invalid-input',
          suggestions: ["Pin the host's key with --ssh-host-key 'ssh-ed25519 AAAA...' (or PREEVY_SSH_HOST_KEY), or run `preevy up` here first: it pins on first use."],
        });
      }
      const proxyCommand = proxyFor(recorded.proxyCommand);
      const first = await dial(target, pin, proxyCommand);
      return forwardDockerSocket(first, recorded.dockerSocket ?? options['docker-socket'], () => dial(target, pinOf(first), proxyCommand));
    },

    // The machine is the user's: nothing of it is removed (`down` removes the environment's resources on it).
    async removeHost() {},
    // One engine serves many environments: the local store is the list, as for the docker driver.
    async listHosts() {
      return [];
    },
    async findHost() {
      return undefined;
    },
  };
};

export const sshDriver: DriverFactory<SshDriverOptions> = {
  name: 'ssh',
  options: SSH_OPTIONS,
  create: (options) => createSshDriver(options),
};
