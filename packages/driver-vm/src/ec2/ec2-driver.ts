import { CreateTagsCommand, EC2Client, GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import { PreevyError, remoteAgentReaches, environmentLabels, type DockerHost, type DockerHostDriver, type DriverContext, type DriverFactory, type TunnelAddress } from '@preevy/core';
import { keyFingerprint } from '@preevy/tunnel-protocol';
import { checkDockerAnswers, exitCodeOf, forwardDockerSocket, outputOf } from '../ssh/docker-over-ssh.js';
import { pinInForce, type SshHostKeyPin } from '../ssh/host-key-pin.js';
import type { SshAuth } from '../ssh/ssh-auth.js';
import { openSshSession, type ProxySpawner, type SshSession } from '../ssh/ssh-session.js';
import type { SshTarget } from '../ssh/ssh-target.js';
import { validRegion } from './ec2-errors.js';
import { hostKeyFromConsole } from './console-host-key.js';
import { ec2Call, ensureMachine, findMachines, listMachines, removeMachine, resolveAmi, type Machine } from './ec2-machine.js';
import { EC2_OPTIONS, type Ec2Options } from './ec2-options.js';
import { renderUserData } from './user-data.js';

/** What the env record keeps of an EC2 host: enough for `connect` and `down` from any machine. */
export interface Ec2HostState extends Record<string, unknown> {
  instanceId: string;
  profileId: string;
  /** The key line the machine's sshd showed at the first `up` (also tagged on the instance). */
  hostKey?: string | undefined;
  address?: string | undefined;
}

export const EC2_HOST_KEY_TAG = 'dev.preevy.ssh-host-key';
export const EC2_LAST_UP_TAG = 'dev.preevy.last-up-at';
/** Minutes of inactivity after which the machine stops itself, when it does. */
export const EC2_IDLE_STOP_TAG = 'dev.preevy.idle-stop-minutes';
/** Touched on every preevy connection: the idle stop counts it as activity. */
const ACTIVITY_FILE = '/var/lib/preevy/activity';

export interface Ec2DriverDeps {
  client?: EC2Client;
  spawnProxy?: ProxySpawner;
  now?: () => Date;
  pollMs?: number;
}

const noKey = (): PreevyError =>
  new PreevyError('The ec2 driver needs the profile key to log in to its machines', { code: 'EC2_PROFILE_KEY_MISSING', kind: 'internal', suggestions: ['This is a bug in preevy: the CLI passes the profile key to VM drivers.'] });

/**
 * The EC2 driver: one machine per environment (found by tags, reused, started when stopped,
 * recreated when its spec changed), Docker installed by cloud-init, its socket forwarded over
 * SSH to 127.0.0.1 with the machine's host key pinned. With a proxy command the instance's own
 * address is never dialled: %h is the instance id (what `aws ssm start-session --target` takes).
 */
export const createEc2Driver = (options: Ec2Options, context: DriverContext = {}, deps: Ec2DriverDeps = {}): DockerHostDriver => {
  const timeoutMs = options['ready-timeout'] * 1000;
  const pollMs = deps.pollMs ?? 2_000;
  const now = deps.now ?? (() => new Date());
  let client: EC2Client | undefined;
  const ec2 = (): EC2Client =>
    (client ??= deps.client ?? new EC2Client({ ...(options.region ? { region: validRegion(options.region) } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}) }));
  const proxyCommand = options['ssh-proxy-command']?.trim() || undefined;
  const key = async () => {
    if (!context.profileKey) throw noKey();
    return context.profileKey();
  };
  const auth = async (): Promise<SshAuth> => ({ methods: [{ type: 'publickey', username: options['ssh-user'], key: (await key()).privateKey }], tried: ["the profile's key"] });
  const targetOf = (m: Pick<Machine, 'instanceId' | 'publicIp' | 'privateIp'>): SshTarget => {
    const host = proxyCommand ? m.instanceId : (m.publicIp ?? m.privateIp);
    if (!host) {
      throw new PreevyError(`Machine ${m.instanceId} has no address to reach it by`, {
        code: 'EC2_NO_ADDRESS',
        kind: 'invalid-input',
        suggestions: ['Give --ec2-ssh-proxy-command (SSM or a bastion) for a machine without a public address, or a subnet that assigns one.'],
      });
    }
    return { user: options['ssh-user'], host, port: 22 };
  };
  const dial = async (target: SshTarget, pin: SshHostKeyPin | undefined, signal?: AbortSignal, timeoutMs = 30_000): Promise<SshSession> =>
    openSshSession({ target, auth: await auth(), pin, proxyCommand, timeoutMs, signal, hostKeyFlag: '--ec2-host-key', ...(deps.spawnProxy ? { spawnProxy: deps.spawnProxy } : {}) });
  /** A preevy command is activity: the machine's idle stop waits for it (best effort: a machine without the directory ignores it). */
  const touchActivity = (session: SshSession): Promise<unknown> => exitCodeOf(session.client, `touch ${ACTIVITY_FILE} 2>/dev/null`);
  /** The ed25519 key cloud-init printed on the console at first boot, if EC2 has the output yet: a pin that needs no trust. */
  const consoleHostKey = async (instanceId: string, signal?: AbortSignal): Promise<string | undefined> => {
    const out = await ec2Call<{ Output?: string }>(ec2(), new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }), `reading the console output of ${instanceId}`, signal).catch(() => undefined);
    return out?.Output ? hostKeyFromConsole(Buffer.from(out.Output, 'base64').toString('utf8')) : undefined;
  };
  /** A booting machine refuses SSH for a while: dial until it answers, a refused key is final. */
  const dialUntilUp = async (instanceId: string, target: SshTarget, pinned: SshHostKeyPin | undefined, signal?: AbortSignal): Promise<SshSession> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Not pinned yet: the console may have printed the key by now (cloud-init does at boot).
      const printed = pinned ? undefined : await consoleHostKey(instanceId, signal);
      try {
        return await dial(target, pinned ?? pinInForce({ console: printed }), signal);
      } catch (err) {
        const code = (err as PreevyError).code;
        if (!['SSH_UNREACHABLE', 'SSH_CONNECTION_FAILED'].includes(code) || Date.now() > deadline || signal?.aborted) throw err;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  /** What the machine's idle stop wrote last; undefined when it cannot be read within a few seconds. */
  const lastActivityOf = async (m: Machine): Promise<string | undefined> => {
    const session = await dial(targetOf(m), pinInForce({ option: options['host-key'], recorded: m.tags[EC2_HOST_KEY_TAG] }), undefined, 5_000).catch(() => undefined);
    if (!session) return undefined;
    try {
      const text = await outputOf(session.client, 'cat /var/lib/preevy/last-activity');
      return text && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(text.trim()) ? text.trim() : undefined;
    } finally {
      await session.close();
    }
  };
  const stateOf = (host: DockerHost): Ec2HostState => {
    const s = host.state as Partial<Ec2HostState>;
    if (typeof s.instanceId !== 'string' || typeof s.profileId !== 'string') {
      throw new PreevyError(`The record of ${host.envId} does not describe an EC2 machine`, { code: 'EC2_HOST_RECORD_INVALID', kind: 'internal', suggestions: ['Run `preevy up` again, or `preevy down --force`.'] });
    }
    return s as Ec2HostState;
  };
  const hostOf = (m: Machine, hostKey?: string): DockerHost => ({ driver: 'ec2', envId: m.envId, state: { instanceId: m.instanceId, profileId: m.profileId, ...(hostKey ? { hostKey } : {}), ...(m.publicIp ? { address: m.publicIp } : {}) } });

  return {
    name: 'ec2',
    hostPerEnvironment: true,
    agentReaches(address: TunnelAddress) {
      return remoteAgentReaches(address, 'an EC2 machine');
    },

    async ensureHost({ envId, profileId, progress, previous, signal }) {
      if (!proxyCommand && !options['security-group'] && !options['ssh-cidr']) {
        throw new PreevyError('Who may reach the machine over SSH is not said', {
          code: 'EC2_SSH_CIDR_REQUIRED',
          kind: 'invalid-input',
          suggestions: ['Give --ec2-ssh-cidr (e.g. your address/32), an existing --ec2-security-group, or --ec2-ssh-proxy-command for SSM or a bastion.'],
        });
      }
      const { publicKey } = await key();
      const ops = { timeoutMs, pollMs, signal };
      const ami = options.ami ?? (await progress.step(`Looking up the newest image named ${options['ami-name']}`, () => resolveAmi(ec2(), { namePattern: options['ami-name'], owner: options['ami-owner'] }, signal)));
      const idleMinutes = options['inactivity-timeout'];
      const userData = renderUserData({ sshUser: options['ssh-user'], publicKey, inactivitySeconds: idleMinutes === undefined ? undefined : Math.round(idleMinutes * 60) });
      const { machine, action } = await progress.step(`Ensuring the EC2 machine of ${envId} (${options['instance-type']})`, () =>
        ensureMachine(ec2(), { profileId, envId, publicKey, securityGroup: options['security-group'], sshCidr: options['ssh-cidr'], tags: idleMinutes === undefined ? {} : { [EC2_IDLE_STOP_TAG]: String(idleMinutes) }, spec: { instanceType: options['instance-type'], ami, volumeSize: options['volume-size'], userData, subnet: options.subnet } }, ops),
      );
      // A new machine has a new host key: a pin kept for the one it replaced means nothing.
      const prior = previous && stateOf(previous).instanceId === machine.instanceId ? stateOf(previous).hostKey : undefined;
      const target = targetOf(machine);
      const session = await progress.step(`Waiting until ${machine.instanceId} answers SSH (${action})`, () => dialUntilUp(machine.instanceId, target, pinInForce({ option: options['host-key'], recorded: prior }), signal));
      try {
        const fingerprint = keyFingerprint(Buffer.from(session.hostKey.split(' ')[1] ?? '', 'base64'));
        if (session.verdict === 'first-use') {
          await progress.step(`Trusting the host key of ${machine.instanceId} on first use: ${fingerprint} (its console output had none yet; --ec2-host-key pins it up front)`, async () => undefined);
        } else if (!prior && !options['host-key']) {
          await progress.step(`Pinned the host key of ${machine.instanceId} from its console output: ${fingerprint}`, async () => undefined);
        }
        await touchActivity(session);
        const conn = await forwardDockerSocket(session, '/var/run/docker.sock', () => dial(target, pinInForce({ recorded: session.hostKey }), signal));
        try {
          await progress.step(`Waiting until Docker runs on ${machine.instanceId}`, async () => {
            const deadline = Date.now() + timeoutMs;
            for (;;) {
              try {
                return await checkDockerAnswers(conn, session, '/var/run/docker.sock');
              } catch (err) {
                if (Date.now() > deadline || signal?.aborted) throw err;
              }
              await new Promise((r) => setTimeout(r, pollMs));
            }
          });
        } finally {
          await conn.close();
        }
      } catch (err) {
        await session.close();
        throw err;
      }
      // The host key and the time of this up ride on the instance: any machine with the profile reads them.
      await ec2Call(
        ec2(),
        new CreateTagsCommand({ Resources: [machine.instanceId], Tags: [{ Key: EC2_HOST_KEY_TAG, Value: session.hostKey }, { Key: EC2_LAST_UP_TAG, Value: now().toISOString() }] }),
        `tagging ${machine.instanceId}`,
        signal,
      );
      return hostOf(machine, session.hostKey);
    },

    async connect(host) {
      const state = stateOf(host);
      const target = targetOf({ instanceId: state.instanceId, publicIp: state.address, privateIp: undefined });
      const pin = pinInForce({ option: options['host-key'], recorded: state.hostKey });
      if (!pin) {
        throw new PreevyError(`No host key is known for ${state.instanceId}`, {
          code: 'SSH_HOST_KEY_NOT_PINNED',
          kind: 'invalid-input',
          suggestions: ["Run `preevy up` for this environment (it pins the machine's key), or pin it with --ec2-host-key."],
        });
      }
      const first = await dial(target, pin);
      await touchActivity(first);
      const conn = await forwardDockerSocket(first, '/var/run/docker.sock', () => dial(target, pinInForce({ recorded: first.hostKey })));
      // Its idle stop reads the agents' lastActivityAt: workspaces keep an agent to report their SSH sessions there.
      return options['inactivity-timeout'] === undefined ? conn : Object.assign(conn, { stopsWhenIdle: true });
    },

    async removeHost(host, { signal } = {}) {
      await removeMachine(ec2(), { profileId: stateOf(host).profileId, envId: host.envId }, { timeoutMs, pollMs, signal });
    },

    async listHosts({ profileId }) {
      const machines = await listMachines(ec2(), profileId);
      // The idle stop's own account of the last activity, from each running machine that has one (read in parallel, best effort).
      const activity = await Promise.all(machines.map((m) => (m.state === 'running' && m.tags[EC2_IDLE_STOP_TAG] && m.tags[EC2_HOST_KEY_TAG] ? lastActivityOf(m) : Promise.resolve(undefined))));
      return machines.map((m, i) => ({
        ...hostOf(m, m.tags[EC2_HOST_KEY_TAG]),
        summary: `${m.state} ${m.instanceType}${m.tags[EC2_IDLE_STOP_TAG] ? `, stops after ${m.tags[EC2_IDLE_STOP_TAG]} min idle` : ''}`,
        ...(m.tags[EC2_LAST_UP_TAG] ? { lastUpAt: m.tags[EC2_LAST_UP_TAG] } : {}),
        ...(activity[i] ? { lastActivityAt: activity[i] } : {}),
      }));
    },

    async findHost({ profileId, envId }) {
      const [m] = await findMachines(ec2(), environmentLabels({ profileId, envId }));
      return m ? hostOf(m, m.tags[EC2_HOST_KEY_TAG]) : undefined;
    },
  };
};

export const ec2Driver: DriverFactory<Ec2Options> = {
  name: 'ec2',
  options: EC2_OPTIONS,
  create: (options, context) => createEc2Driver(options, context),
};
