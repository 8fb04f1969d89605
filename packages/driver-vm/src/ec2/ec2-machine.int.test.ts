import {
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught } from '../../../../test/support/preevy-error-of.js';
import { MOTO_CREDENTIALS, startMoto, type Moto } from '../../../../test/support/moto.js';
import { ensureMachine, findMachines, listMachines, removeMachine, resolveAmi, type MachineRequest } from './ec2-machine.js';
import { renderUserData } from './user-data.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa7bW1sZ8y0V4Q0h3xwJv8t0H6cY8qQ0mZb2v5c1d2e';
const OPS = { timeoutMs: 30_000, pollMs: 50 };
const ENV_TAG = 'dev.preevy.env-id';

// The EC2 lifecycle against moto's EC2 API on loopback. moto boots nothing and its addresses are
// invented: nothing here dials an instance, only the API.
describe('EC2 machines (moto)', () => {
  let moto: Moto;
  let client: EC2Client;
  let ami = '';
  const request = (over: Partial<MachineRequest> = {}, spec: Partial<MachineRequest['spec']> = {}): MachineRequest => ({
    profileId: 'p1',
    envId: 'shop-pr-7',
    publicKey: KEY,
    sshCidr: '198.51.100.7/32',
    ...over,
    spec: { instanceType: 't3.small', ami, volumeSize: 20, userData: renderUserData({ sshUser: 'preevy', publicKey: KEY }), ...spec },
  });
  const liveInstances = async (envId: string) =>
    (await client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${ENV_TAG}`, Values: [envId] }] }))).Reservations?.flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'terminated') ?? [];

  beforeAll(async () => {
    moto = await startMoto();
    client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
    const images = await client.send(new DescribeImagesCommand({}));
    ami = images.Images![0]!.ImageId!;
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('should resolve the newest image of a name pattern, and say when none matches', async () => {
    const images = (await client.send(new DescribeImagesCommand({}))).Images!;
    const sample = images.find((i) => i.Name && i.OwnerId)!;
    const sameName = images.filter((i) => i.Name === sample.Name && i.OwnerId === sample.OwnerId).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''));
    expect(await resolveAmi(client, { namePattern: sample.Name!, owner: sample.OwnerId! })).toBe(sameName[0]!.ImageId);
    const none = await caught(resolveAmi(client, { namePattern: 'debian-12-amd64-*', owner: '136693071363' }));
    expect(none).toMatchObject({ code: 'EC2_AMI_NOT_FOUND' });
  });

  it('should create a tagged machine with the user data, its own key pair and an SSH-only group, stopping (not terminating) on shutdown', async () => {
    const { machine, action } = await ensureMachine(client, request(), OPS);
    expect(action).toBe('created');
    expect(machine).toMatchObject({ state: 'running', instanceType: 't3.small', envId: 'shop-pr-7', profileId: 'p1' });
    const [instance] = await liveInstances('shop-pr-7');
    const tags: Record<string, string> = Object.fromEntries(instance!.Tags!.map((t) => [t.Key ?? '', t.Value ?? '']));
    expect(tags).toMatchObject({ 'dev.preevy.managed-by': 'preevy', 'dev.preevy.profile': 'p1', [ENV_TAG]: 'shop-pr-7', 'dev.preevy.spec-hash': machine.specHash });
    const userData = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: machine.instanceId, Attribute: 'userData' }));
    expect(Buffer.from(userData.UserData!.Value!, 'base64').toString()).toBe(request().spec.userData.text);
    const shutdown = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: machine.instanceId, Attribute: 'instanceInitiatedShutdownBehavior' }));
    expect(shutdown.InstanceInitiatedShutdownBehavior?.Value).toBe('stop');
    const keys = await client.send(new DescribeKeyPairsCommand({ KeyNames: [instance!.KeyName!] }));
    expect(keys.KeyPairs).toHaveLength(1);
    const groups = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: instance!.SecurityGroups!.map((g) => g.GroupId!) }));
    expect(groups.SecurityGroups![0]!.IpPermissions).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [expect.objectContaining({ CidrIp: '198.51.100.7/32' })] }),
    ]);
  });

  it('should reuse the machine with the same spec, and start it when stopped', async () => {
    const [before] = await findMachines(client, { [ENV_TAG]: 'shop-pr-7' });
    const again = await ensureMachine(client, request(), OPS);
    expect([again.action, again.machine.instanceId]).toEqual(['reused', before!.instanceId]);
    await client.send(new StopInstancesCommand({ InstanceIds: [before!.instanceId] }));
    const started = await ensureMachine(client, request(), OPS);
    expect([started.action, started.machine.instanceId, started.machine.state]).toEqual(['started', before!.instanceId, 'running']);
    expect(await liveInstances('shop-pr-7')).toHaveLength(1);
  });

  it('should recreate the machine when its spec changes, ending the old one', async () => {
    const [before] = await findMachines(client, { [ENV_TAG]: 'shop-pr-7' });
    const changed = await ensureMachine(client, request({}, { instanceType: 't3.medium' }), OPS);
    expect(changed.action).toBe('recreated');
    expect(changed.machine.instanceId).not.toBe(before!.instanceId);
    expect((await liveInstances('shop-pr-7')).map((i) => [i.InstanceId, i.InstanceType])).toEqual([[changed.machine.instanceId, 't3.medium']]);
  });

  it('should refuse an unknown AMI before creating anything', async () => {
    const err = await caught(ensureMachine(client, request({ envId: 'bad-ami' }, { ami: 'ami-00000000000000000' }), OPS));
    expect(err).toMatchObject({ code: 'EC2_AMI_NOT_FOUND', kind: 'not-found' });
    expect(await liveInstances('bad-ami')).toEqual([]);
    const keys = await client.send(new DescribeKeyPairsCommand({ Filters: [{ Name: `tag:${ENV_TAG}`, Values: ['bad-ami'] }] }));
    expect(keys.KeyPairs).toEqual([]);
  });

  it('should list the profile machines by tags, and remove the machine, its key pair and group on down, twice safely', async () => {
    await ensureMachine(client, request({ envId: 'other-env' }), OPS);
    expect((await listMachines(client, 'p1')).map((m) => m.envId).sort()).toEqual(['other-env', 'shop-pr-7']);
    const removed = await removeMachine(client, { profileId: 'p1', envId: 'shop-pr-7' }, OPS);
    expect(removed).toEqual({ instances: 1, keyPairs: 1, securityGroups: 1 });
    expect(await liveInstances('shop-pr-7')).toEqual([]);
    const tagged = [{ Name: `tag:${ENV_TAG}`, Values: ['shop-pr-7'] }];
    expect((await client.send(new DescribeKeyPairsCommand({ Filters: tagged }))).KeyPairs).toEqual([]);
    expect((await client.send(new DescribeSecurityGroupsCommand({ Filters: tagged }))).SecurityGroups).toEqual([]);
    expect(await removeMachine(client, { profileId: 'p1', envId: 'shop-pr-7' }, OPS)).toEqual({ instances: 0, keyPairs: 0, securityGroups: 0 });
    expect((await listMachines(client, 'p1')).map((m) => m.envId)).toEqual(['other-env']);
  });
});

describe('EC2 errors at the edge (moto checking credentials)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto({ auth: true });
  }, 60_000);
  afterAll(async () => moto?.stop());

  it('should name refused credentials without printing them', async () => {
    const client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAWRONGWRONGWRONG0', secretAccessKey: 'wrong-secret-never-printed' } });
    const err = await caught(listMachines(client, 'p1'));
    expect(err).toMatchObject({ code: 'AWS_CREDENTIALS_INVALID', kind: 'invalid-input' });
    expect(`${err.message} ${err.suggestions.join(' ')}`).not.toContain('wrong-secret-never-printed');
    client.destroy();
  });

  it('should say no credentials were found when the SDK chain has none', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_CONFIG_FILE: '/nonexistent/c', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/s', AWS_EC2_METADATA_DISABLED: 'true' });
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) delete process.env[k];
    try {
      const client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1' });
      expect(await caught(listMachines(client, 'p1'))).toMatchObject({ code: 'AWS_CREDENTIALS_MISSING' });
      client.destroy();
    } finally {
      process.env = saved;
    }
  });
});
