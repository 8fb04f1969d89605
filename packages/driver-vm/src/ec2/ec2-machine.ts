import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  ImportKeyPairCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Filter,
  type Instance,
  type Tag,
} from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
import { LABELS, MANAGED_BY, PreevyError, environmentLabels } from '@preevy/core';
import { ec2Error } from './ec2-errors.js';

/** The driver's own tags, beside core's environment labels (managed-by, profile, env id). */
export const EC2_TAGS = Object.freeze({
  /** Hash of what the machine was made from (type, AMI, volume, user data): another hash recreates it. */
  spec: 'dev.preevy.spec-hash',
  /** On a security group or key pair: the driver made it, so `down` deletes it. */
  created: 'dev.preevy.created-by-driver',
});

/** What a machine is made from; its hash is compared on every `up`. */
export interface MachineSpec {
  instanceType: string;
  ami: string;
  volumeSize: number;
  userData: { text: string; hash: string };
  subnet?: string | undefined;
}

export interface MachineRequest {
  profileId: string;
  envId: string;
  spec: MachineSpec;
  /** The profile's `ssh-ed25519` public key line, imported as the machine's key pair. */
  publicKey: string;
  /** An existing group; without it one is created with SSH open to `sshCidr` only. */
  securityGroup?: string | undefined;
  sshCidr?: string | undefined;
  /** More tags on the instance (what `ls` shows of it). */
  tags?: Record<string, string>;
}

/** A machine as `ls`, `connect` and `down` need it. */
export interface Machine {
  instanceId: string;
  state: string;
  instanceType: string;
  specHash: string | undefined;
  /** Never dialled when a proxy command is set (an emulator's addresses are not real). */
  privateIp: string | undefined;
  publicIp: string | undefined;
  launchedAt: string | undefined;
  envId: string;
  profileId: string;
  tags: Record<string, string>;
}

export interface MachineOps {
  /** How often a wait asks again; tests make it short. */
  pollMs?: number;
  now?: () => number;
  signal?: AbortSignal | undefined;
}

/** One hash over every field of the spec: a change of any recreates the machine. */
export const specHash = (spec: MachineSpec): string =>
  createHash('sha256')
    .update(JSON.stringify([spec.instanceType, spec.ami, spec.volumeSize, spec.userData.hash, spec.subnet ?? '']))
    .digest('hex')
    .slice(0, 16);

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

const tagsOf = (i: { Tags?: Tag[] | undefined }): Record<string, string> => Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
const asTags = (labels: Record<string, string>): Tag[] => Object.entries(labels).map(([Key, Value]) => ({ Key, Value }));
const labelFilters = (labels: Record<string, string>): Filter[] => Object.entries(labels).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] }));

const toMachine = (i: Instance): Machine => {
  const tags = tagsOf(i);
  return {
    instanceId: i.InstanceId ?? '',
    state: i.State?.Name ?? 'unknown',
    instanceType: i.InstanceType ?? '',
    specHash: tags[EC2_TAGS.spec],
    privateIp: i.PrivateIpAddress,
    publicIp: i.PublicIpAddress,
    launchedAt: i.LaunchTime?.toISOString(),
    envId: tags[LABELS.envId] ?? '',
    profileId: tags[LABELS.profile] ?? '',
    tags,
  };
};

/** Names of what the driver creates per environment: short, and unique per profile and env. */
export const resourceName = (profileId: string, envId: string): string => `preevy-${envId}-${createHash('sha256').update(profileId).digest('hex').slice(0, 8)}`;

/** EC2 calls with the error translated at this edge, naming what was being done. */
export const ec2Call = async <T>(client: EC2Client, command: { input: unknown; constructor: { name: string } }, action: string, signal?: AbortSignal): Promise<T> => {
  try {
    // Every command class is one of the client's; its name is the API action (and the IAM one).
    return (await client.send(command as never, signal ? { abortSignal: signal } : {})) as T;
  } catch (err) {
    throw ec2Error(err, action, command.constructor.name);
  }
};

/** The environment's machines that are not gone, newest first (by tags, from any machine). */
export const findMachines = async (client: EC2Client, labels: Record<string, string>, signal?: AbortSignal): Promise<Machine[]> => {
  const out = await ec2Call<{ Reservations?: Array<{ Instances?: Instance[] }> }>(
    client,
    new DescribeInstancesCommand({ Filters: [...labelFilters(labels), { Name: 'instance-state-name', Values: LIVE_STATES }] }),
    'listing the machines by their tags',
    signal,
  );
  return (out.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .map(toMachine)
    .sort((a, b) => (b.launchedAt ?? '').localeCompare(a.launchedAt ?? ''));
};

/** The newest available image named `namePattern` owned by `owner`: no AMI id is kept in code. */
export const resolveAmi = async (client: EC2Client, { namePattern, owner }: { namePattern: string; owner: string }, signal?: AbortSignal): Promise<string> => {
  const out = await ec2Call<{ Images?: Array<{ ImageId?: string; CreationDate?: string }> }>(
    client,
    new DescribeImagesCommand({ Owners: [owner], Filters: [{ Name: 'name', Values: [namePattern] }, { Name: 'state', Values: ['available'] }] }),
    `looking up the newest image named ${namePattern}`,
    signal,
  );
  const [newest] = (out.Images ?? []).filter((i) => i.ImageId).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''));
  if (!newest) {
    throw new PreevyError(`No available image named ${namePattern} owned by ${owner}`, {
      code: 'EC2_AMI_NOT_FOUND',
      kind: 'not-found',
      suggestions: ['Give --ec2-ami an AMI id, or --ec2-ami-name / --ec2-ami-owner that match an image in this region.'],
    });
  }
  return newest.ImageId!;
};

const requireImage = async (client: EC2Client, ami: string, signal?: AbortSignal): Promise<void> => {
  const out = await ec2Call<{ Images?: unknown[] }>(client, new DescribeImagesCommand({ ImageIds: [ami] }), `looking up image ${ami}`, signal);
  if (out.Images?.length) return;
  throw new PreevyError(`Image ${ami} was not found in this region`, {
    code: 'EC2_AMI_NOT_FOUND',
    kind: 'not-found',
    suggestions: ['Give --ec2-ami an AMI id of this region, or leave it unset to look up the newest image named --ec2-ami-name.'],
  });
};

const waitFor = async <T>(what: string, ask: () => Promise<T | undefined>, { timeoutMs, pollMs = 2_000, now = Date.now, signal }: MachineOps & { timeoutMs: number }): Promise<T> => {
  const deadline = now() + timeoutMs;
  for (;;) {
    const got = await ask();
    if (got !== undefined) return got;
    if (signal?.aborted) throw new PreevyError(`Interrupted while waiting until ${what}`, { code: 'INTERRUPTED', kind: 'interrupted' });
    if (now() >= deadline) {
      throw new PreevyError(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting until ${what}`, {
        code: 'EC2_TIMEOUT',
        kind: 'unavailable',
        suggestions: ['Look at the instance in the EC2 console (its state and system log), then run `preevy up` again; raise --ec2-ready-timeout if it is only slow.'],
      });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
};

const describeOne = async (client: EC2Client, instanceId: string, signal?: AbortSignal): Promise<Machine | undefined> => {
  const out = await ec2Call<{ Reservations?: Array<{ Instances?: Instance[] }> }>(client, new DescribeInstancesCommand({ InstanceIds: [instanceId] }), `reading machine ${instanceId}`, signal);
  const found = out.Reservations?.[0]?.Instances?.[0];
  return found ? toMachine(found) : undefined;
};

/** Waits until the machine runs; a machine that terminates meanwhile is an error naming it. */
export const waitRunning = (client: EC2Client, instanceId: string, ops: MachineOps & { timeoutMs: number }): Promise<Machine> =>
  waitFor(
    `machine ${instanceId} runs`,
    async () => {
      const m = await describeOne(client, instanceId, ops.signal);
      if (m && ['shutting-down', 'terminated'].includes(m.state)) {
        throw new PreevyError(`Machine ${instanceId} is ${m.state} instead of starting`, {
          code: 'EC2_MACHINE_FAILED',
          kind: 'unavailable',
          suggestions: ['Run `preevy up` again to make a new one; look at its system log in the EC2 console if it happens again.'],
        });
      }
      return m?.state === 'running' ? m : undefined;
    },
    ops,
  );

/** Imports the profile's key as the environment's key pair, once (tagged, so `down` deletes it). */
const ensureKeyPair = async (client: EC2Client, name: string, publicKey: string, labels: Record<string, string>, signal?: AbortSignal): Promise<string> => {
  const existing = await ec2Call<{ KeyPairs?: unknown[] }>(client, new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: [name] }] }), `looking up key pair ${name}`, signal);
  if (existing.KeyPairs?.length) return name;
  await ec2Call(
    client,
    new ImportKeyPairCommand({ KeyName: name, PublicKeyMaterial: Buffer.from(publicKey), TagSpecifications: [{ ResourceType: 'key-pair', Tags: asTags({ ...labels, [EC2_TAGS.created]: 'true' }) }] }),
    `importing the profile's key as key pair ${name}`,
    signal,
  );
  return name;
};

const vpcOf = async (client: EC2Client, subnet: string | undefined, signal?: AbortSignal): Promise<string> => {
  if (subnet) {
    const out = await ec2Call<{ Subnets?: Array<{ VpcId?: string }> }>(client, new DescribeSubnetsCommand({ SubnetIds: [subnet] }), `reading subnet ${subnet}`, signal);
    const vpc = out.Subnets?.[0]?.VpcId;
    if (vpc) return vpc;
  } else {
    const out = await ec2Call<{ Vpcs?: Array<{ VpcId?: string }> }>(client, new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }), 'looking up the default VPC', signal);
    const vpc = out.Vpcs?.[0]?.VpcId;
    if (vpc) return vpc;
  }
  throw new PreevyError(subnet ? `Subnet ${subnet} was not found` : 'The region has no default VPC', {
    code: 'EC2_NETWORK_NOT_FOUND',
    kind: 'not-found',
    suggestions: ['Give --ec2-subnet a subnet id of this region.'],
  });
};

/** The environment's own security group (created once, tagged), with SSH open to `cidr` only. */
const ensureSecurityGroup = async (client: EC2Client, name: string, request: MachineRequest, labels: Record<string, string>, signal?: AbortSignal): Promise<string> => {
  const mine = await ec2Call<{ SecurityGroups?: Array<{ GroupId?: string }> }>(
    client,
    new DescribeSecurityGroupsCommand({ Filters: [...labelFilters(labels), { Name: 'group-name', Values: [name] }] }),
    `looking up security group ${name}`,
    signal,
  );
  const found = mine.SecurityGroups?.[0]?.GroupId;
  if (found) return found;
  const vpc = await vpcOf(client, request.spec.subnet, signal);
  const created = await ec2Call<{ GroupId?: string }>(
    client,
    new CreateSecurityGroupCommand({
      GroupName: name,
      Description: `preevy ${request.envId}: SSH only`,
      VpcId: vpc,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: asTags({ ...labels, [EC2_TAGS.created]: 'true' }) }],
    }),
    `creating security group ${name}`,
    signal,
  );
  if (request.sshCidr) {
    await ec2Call(
      client,
      new AuthorizeSecurityGroupIngressCommand({ GroupId: created.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: request.sshCidr, Description: 'preevy SSH' }] }] }),
      `opening SSH from ${request.sshCidr} on ${name}`,
      signal,
    );
  }
  return created.GroupId!;
};

export type EnsureMachineResult = { machine: Machine; action: 'reused' | 'started' | 'created' | 'recreated' };

/**
 * The environment's machine: reused when its spec is the same (started if stopped), else made
 * anew (a changed spec or a failed machine is terminated first). Found by tags, so any machine
 * with the profile finds it.
 */
export const ensureMachine = async (client: EC2Client, request: MachineRequest, ops: MachineOps & { timeoutMs: number }): Promise<EnsureMachineResult> => {
  const labels = environmentLabels({ profileId: request.profileId, envId: request.envId });
  const hash = specHash(request.spec);
  const [current, ...extra] = await findMachines(client, labels, ops.signal);
  // More than one: an interrupted up made a second; keep the newest, end the others.
  if (extra.length) await terminate(client, extra.map((m) => m.instanceId), ops);
  if (current && current.specHash === hash) {
    if (current.state === 'running' || current.state === 'pending') return { machine: await waitRunning(client, current.instanceId, ops), action: 'reused' };
    if (current.state === 'stopping') await waitFor(`machine ${current.instanceId} stops`, async () => ((await describeOne(client, current.instanceId, ops.signal))?.state === 'stopped' ? true : undefined), ops);
    await ec2Call(client, new StartInstancesCommand({ InstanceIds: [current.instanceId] }), `starting machine ${current.instanceId}`, ops.signal);
    return { machine: await waitRunning(client, current.instanceId, ops), action: 'started' };
  }
  // Checked before anything is made, so a wrong AMI leaves no key pair or group behind.
  await requireImage(client, request.spec.ami, ops.signal);
  if (current) await terminate(client, [current.instanceId], ops);
  const name = resourceName(request.profileId, request.envId);
  const keyName = await ensureKeyPair(client, name, request.publicKey, labels, ops.signal);
  const group = request.securityGroup ?? (await ensureSecurityGroup(client, name, request, labels, ops.signal));
  const run = await ec2Call<{ Instances?: Instance[] }>(
    client,
    new RunInstancesCommand({
      ImageId: request.spec.ami,
      InstanceType: request.spec.instanceType as never,
      MinCount: 1,
      MaxCount: 1,
      KeyName: keyName,
      SecurityGroupIds: [group],
      ...(request.spec.subnet ? { SubnetId: request.spec.subnet } : {}),
      UserData: Buffer.from(request.spec.userData.text).toString('base64'),
      // The machine stops itself when idle (shutdown -h): that must stop it, not terminate it.
      InstanceInitiatedShutdownBehavior: 'stop',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: request.spec.volumeSize, VolumeType: 'gp3', DeleteOnTermination: true } }],
      MetadataOptions: { HttpTokens: 'required' },
      TagSpecifications: [
        { ResourceType: 'instance', Tags: asTags({ ...request.tags, ...labels, [EC2_TAGS.spec]: hash, Name: name }) },
        { ResourceType: 'volume', Tags: asTags(labels) },
      ],
    }),
    `creating machine ${name} (${request.spec.instanceType}, ${request.spec.ami})`,
    ops.signal,
  );
  const instanceId = run.Instances?.[0]?.InstanceId;
  if (!instanceId) throw new PreevyError('EC2 created no instance and said no error', { code: 'EC2_API_ERROR', kind: 'unavailable', suggestions: ['Run `preevy up` again.'] });
  return { machine: await waitRunning(client, instanceId, ops), action: current ? 'recreated' : 'created' };
};

/** Terminates machines and waits until they are gone (a security group cannot go before them). */
export const terminate = async (client: EC2Client, instanceIds: string[], ops: MachineOps & { timeoutMs: number }): Promise<void> => {
  if (!instanceIds.length) return;
  await ec2Call(client, new TerminateInstancesCommand({ InstanceIds: instanceIds }), `terminating ${instanceIds.join(', ')}`, ops.signal);
  await waitFor(
    `${instanceIds.join(', ')} terminated`,
    async () => {
      const states = await Promise.all(instanceIds.map((id) => describeOne(client, id, ops.signal)));
      return states.every((m) => !m || m.state === 'terminated') ? true : undefined;
    },
    ops,
  );
};

/** `down`: the environment's machines, then the key pair and security group the driver created; idempotent. */
export const removeMachine = async (client: EC2Client, { profileId, envId }: { profileId: string; envId: string }, ops: MachineOps & { timeoutMs: number }): Promise<{ instances: number; keyPairs: number; securityGroups: number }> => {
  const labels = environmentLabels({ profileId, envId });
  const machines = await findMachines(client, labels, ops.signal);
  await terminate(client, machines.map((m) => m.instanceId), ops);
  const created = labelFilters({ ...labels, [EC2_TAGS.created]: 'true' });
  const keys = await ec2Call<{ KeyPairs?: Array<{ KeyName?: string }> }>(client, new DescribeKeyPairsCommand({ Filters: created }), 'listing the key pairs to delete', ops.signal);
  for (const k of keys.KeyPairs ?? []) await ec2Call(client, new DeleteKeyPairCommand({ KeyName: k.KeyName }), `deleting key pair ${k.KeyName}`, ops.signal);
  const groups = await ec2Call<{ SecurityGroups?: Array<{ GroupId?: string }> }>(client, new DescribeSecurityGroupsCommand({ Filters: created }), 'listing the security groups to delete', ops.signal);
  for (const g of groups.SecurityGroups ?? []) {
    // Network interfaces of a just-terminated machine can hold the group a little longer.
    await waitFor(
      `security group ${g.GroupId} is deleted`,
      () =>
        ec2Call(client, new DeleteSecurityGroupCommand({ GroupId: g.GroupId }), `deleting security group ${g.GroupId}`, ops.signal).then(
          () => true,
          (err: unknown) => {
            if ((err as PreevyError).cause && /DependencyViolation/.test(String((err as { cause?: { name?: string } }).cause?.name))) return undefined;
            throw err;
          },
        ),
      ops,
    );
  }
  return { instances: machines.length, keyPairs: keys.KeyPairs?.length ?? 0, securityGroups: groups.SecurityGroups?.length ?? 0 };
};

/** Every machine of a profile, for `ls` (by tags: what any machine with the profile sees). */
export const listMachines = (client: EC2Client, profileId: string, signal?: AbortSignal): Promise<Machine[]> =>
  findMachines(client, { [LABELS.managedBy]: MANAGED_BY, [LABELS.profile]: profileId }, signal);
