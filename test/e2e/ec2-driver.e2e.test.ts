import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand, EC2Client, StopInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execFile, type ExecResult } from '../support/exec-file.js';
import { MOTO_CREDENTIALS, startMoto, type Moto } from '../support/moto.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, offlineEnv } from '../support/preevy-e2e.js';
import { bridgeGatewayAddress, startSshHost, type SshTestHost } from '../support/ssh-host.js';
import { startTestTunnelServer, type TestTunnelServer } from '../support/test-tunnel-server.js';

interface UpJson {
  envId: string;
  urls: Array<{ service: string; port: number; url: string; httpStatus: number }>;
}

const ENV_LABEL = 'dev.preevy.env-id';
/** The CLI's own access key: moto's recording tells its calls from the test's. */
const CLI_ACCESS_KEY = 'AKIAPREEVYCLIE2E0000';

/** The actions of the README's IAM policy for the EC2 driver. */
const readmePolicyActions = (): string[] => {
  const section = /^## AWS EC2[^\n]*\n([\s\S]*?)^## /m.exec(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))?.[1] ?? '';
  const policy = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '{}';
  return (JSON.parse(policy) as { Statement: Array<{ Action: string[] }> }).Statement.flatMap((st) => st.Action);
};

// `preevy up --driver ec2` with moto as the EC2 API and, as the "instance", the stand-in SSH host
// (a container with a real sshd and dockerd). moto boots nothing and invents its addresses, so the
// driver must reach the machine through the proxy command: it goes to the stand-in on loopback and
// logs its argv, which shows the instance address was never dialled.
describe('preevy up --driver ec2 (built binary, moto + stand-in host behind a proxy command)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-ec2-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const proxyLog = join(root, 'proxy.log');
  const envId = `ec2-${randomBytes(3).toString('hex')}`;
  let env: NodeJS.ProcessEnv = {};
  let moto: Moto;
  let client: EC2Client;
  let host: SshTestHost;
  let tunnel: TestTunnelServer | undefined;
  let ec2Args: string[] = [];
  let webUrl = '';
  const preevy = (...args: string[]): Promise<ExecResult> => execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env, timeoutMs: 300_000 });
  const instances = async (): Promise<Instance[]> =>
    (await client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${ENV_LABEL}`, Values: [envId] }] }))).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
  const live = async () => (await instances()).filter((i) => i.State?.Name !== 'terminated');
  const onHost = async (): Promise<string[]> => (await host.exec(['docker', 'ps', '-aq', '--filter', `label=${ENV_LABEL}=${envId}`])).stdout.split('\n').filter(Boolean);
  const expectRefused = (res: ExecResult, code: string): void => {
    expect(res.exitCode, res.stdout).not.toBe(0);
    expect(res.stderr).toContain(`Code: ${code}`);
  };

  beforeAll(async () => {
    const gateway = await bridgeGatewayAddress();
    moto = await startMoto({ record: true });
    client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
    const ami = (await client.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    host = await startSshHost(`preevy-e2e-ec2-${randomBytes(3).toString('hex')}`, root);
    env = { ...offlineEnv(home), ...moto.env, AWS_ACCESS_KEY_ID: CLI_ACCESS_KEY, PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest', PROXY_LOG: proxyLog };
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    tunnel = await startTestTunnelServer({ listenHost: gateway, home, dir: root, name: 'ec2' });
    // The proxy command is what keeps this test off moto's invented addresses: never run without it.
    const proxyCommand = `${process.execPath} ${join(REPO_ROOT, 'test/support/stdio-proxy.mjs')} 127.0.0.1 ${host.port}`;
    ec2Args = ['--ec2-endpoint', moto.endpoint, '--ec2-region', 'us-east-1', '--ec2-ami', ami, '--ec2-ssh-user', 'tester', '--ec2-ssh-proxy-command', proxyCommand, '--ec2-ready-timeout', '60', '--ec2-inactivity-timeout', '1'];
    expect(ec2Args).toContain('--ec2-ssh-proxy-command');
    const created = await preevy('profile', 'create', 'ec2', '--driver', 'ec2', ...ec2Args, '--tunnel-url', tunnel.tunnelUrl, '--use', '--json');
    expect(created.exitCode, created.stderr).toBe(0);
    // cloud-init would authorize the profile's key on a real machine; the stand-in gets it here.
    const { publicKey } = JSON.parse(created.stdout) as { publicKey: string };
    const authorized = await host.exec(['sh', '-c', `printf '%s\\n' '${publicKey}' >> /home/tester/.ssh/authorized_keys && install -d -o tester -m 0755 /var/lib/preevy`]);
    expect(authorized.exitCode, authorized.stderr).toBe(0);
    const [web, api] = [await freePort(), await freePort()];
    Object.assign(env, { WEB_PORT: String(web), API_PORT: String(api) });
  }, 180_000);

  afterAll(async () => {
    await tunnel?.stop();
    await host?.remove();
    client?.destroy();
    await moto?.stop();
    rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it('should refuse an unknown AMI, leaving nothing behind', async () => {
    const res = await preevy('up', '--id', envId, '--ec2-ami', 'ami-0000000000deadbee');
    expectRefused(res, 'EC2_AMI_NOT_FOUND');
    expect(await instances()).toEqual([]);
    expect((await client.send(new DescribeKeyPairsCommand({ Filters: [{ Name: `tag:${ENV_LABEL}`, Values: [envId] }] }))).KeyPairs).toEqual([]);
  });

  it('should refuse the local (loopback) tunnel server, which a machine cannot reach, before creating anything', async () => {
    const created = await preevy('profile', 'create', 'ec2-local', '--driver', 'ec2', ...ec2Args);
    expect(created.exitCode, created.stderr).toBe(0);
    const callsBefore = (await moto.actionsBy(CLI_ACCESS_KEY)).length;
    const res = await preevy('up', '--id', envId, '--profile', 'ec2-local');
    expectRefused(res, 'TUNNEL_UNREACHABLE_FROM_HOST');
    expect(res.stderr).toContain('which an EC2 machine cannot reach');
    expect(await instances()).toEqual([]);
    // Refused before a single EC2 call.
    expect((await moto.actionsBy(CLI_ACCESS_KEY)).length).toBe(callsBefore);
  });

  it('should refuse when no AWS credentials are found, creating nothing', async () => {
    const bare = { ...env };
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) delete bare[k];
    const res = await execFile(process.execPath, [CLI_BIN, 'up', '--id', envId], { cwd: project, env: bare, timeoutMs: 120_000 });
    expectRefused(res, 'AWS_CREDENTIALS_MISSING');
    expect(await instances()).toEqual([]);
  });

  it('should create a tagged machine, reach it only through the proxy command, and publish every service', async () => {
    const res = await preevy('up', '--id', envId, '--build-local', '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as UpJson;
    expect(out.urls.map((u) => [u.service, u.httpStatus])).toEqual([['api', 200], ['web', 200]]);
    webUrl = out.urls.find((u) => u.service === 'web')!.url;
    expect((await get(webUrl)).body).toContain('hello from preevy');
    const [instance, ...more] = await live();
    expect(more).toEqual([]);
    const tags = Object.fromEntries((instance!.Tags ?? []).map((t) => [t.Key!, t.Value!]));
    expect(tags).toMatchObject({ 'dev.preevy.managed-by': 'preevy', 'dev.preevy.profile': 'ec2', [ENV_LABEL]: envId, 'dev.preevy.ssh-host-key': await host.hostKey() });
    expect(instance!.InstanceType).toBe('t3.small');
    // Every dial went through the proxy, none to moto's invented addresses.
    expect(existsSync(proxyLog)).toBe(true);
    const dials = readFileSync(proxyLog, 'utf8').split('\n').filter(Boolean);
    expect(dials.length).toBeGreaterThan(0);
    expect(dials.every((d) => d === JSON.stringify(['127.0.0.1', String(host.port)]))).toBe(true);
    const fingerprint = (await host.exec(['ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.split(' ')[1]!;
    expect(res.stderr).toContain(`Trusting the host key of ${instance!.InstanceId} on first use: ${fingerprint}`);
    expect((await onHost()).length).toBe(3);
  });

  it('should reuse the machine on the next up, and start it again when it was stopped', async () => {
    const before = (await live()).map((i) => i.InstanceId);
    const res = await preevy('up', '--id', envId, '--build-local');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('on first use');
    expect((await live()).map((i) => i.InstanceId)).toEqual(before);
    await client.send(new StopInstancesCommand({ InstanceIds: before as string[] }));
    const started = await preevy('up', '--id', envId, '--build-local');
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stderr).toContain('(started)');
    expect((await live()).map((i) => [i.InstanceId, i.State?.Name])).toEqual([[before[0], 'running']]);
  });

  it('should stop the machine once idle and not before: the idle stop of its user data, run on the machine with the agent it serves', async () => {
    const [instance] = await live();
    const attr = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: instance!.InstanceId, Attribute: 'userData' }));
    const doc = parse(Buffer.from(attr.UserData!.Value!, 'base64').toString()) as { write_files: Array<{ path: string; content: string }>; runcmd: string[] };
    const file = (path: string): string => doc.write_files.find((f) => f.path === path)!.content;
    expect(doc.runcmd).toContain('systemctl enable --now preevy-idle-stop.timer');
    const unitEnv = [...file('/etc/systemd/system/preevy-idle-stop.service').matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => `${m[1]}=${m[2]}`);
    expect(unitEnv).toContain('PREEVY_IDLE_SECONDS=60');
    // Installed as cloud-init would; `shutdown` stands in as a marker file (the stand-in is a container).
    const script = Buffer.from(file('/usr/local/sbin/preevy-idle-stop')).toString('base64');
    expect((await host.exec(['sh', '-c', `echo ${script} | base64 -d > /usr/local/sbin/preevy-idle-stop && chmod 755 /usr/local/sbin/preevy-idle-stop && rm -f /tmp/stopped`])).exitCode).toBe(0);
    const idleStop = () => host.exec(['env', ...unitEnv, 'PREEVY_SHUTDOWN=touch /tmp/stopped', '/usr/local/sbin/preevy-idle-stop']);
    const stopped = async () => (await host.exec(['test', '-e', '/tmp/stopped'])).exitCode === 0;
    // preevy's own connections count as activity: each touched the file. Aged here, so that what
    // keeps the machine up next can only be the agent's report of its visitors.
    expect((await host.exec(['test', '-e', '/var/lib/preevy/activity'])).exitCode).toBe(0);
    expect((await host.exec(['touch', '-d', '1 hour ago', '/var/lib/preevy/activity'])).exitCode).toBe(0);

    // Visitors came through the tunnel lately (the probes of the last ups, this one): the agent says so, and the machine stays up.
    expect((await get(webUrl)).body).toContain('hello from preevy');
    const agent = (await host.exec(['docker', 'ps', '-q', '--filter', 'label=dev.preevy.agent', '--filter', `label=${ENV_LABEL}=${envId}`])).stdout.trim();
    const state = JSON.parse((await host.exec(['docker', 'exec', agent, 'cat', '/tmp/preevy-agent-state.json'])).stdout) as { lastActivityAt?: string };
    expect(Date.now() - Date.parse(state.lastActivityAt ?? '')).toBeLessThan(60_000);
    const run = await idleStop();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await stopped()).toBe(false);

    // Then nothing: within the timeout plus the agent's 30 s resolution, it stops and says why.
    await expect.poll(async () => (await idleStop(), stopped()), { timeout: 100_000, interval: 2_000 }).toBe(true);
    // Not before the timeout had passed since the visitor the agent reported (the script counts whole seconds).
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(state.lastActivityAt!) + 60_000 - 1_000);
    expect((await host.exec(['cat', '/var/lib/preevy/idle-stops.log'])).stdout).toMatch(/stopping: idle since \d{4}-\d\d-\d\dT/);
  }, 180_000);

  it('should list the machine from a machine without the record, with its age', async () => {
    const file = join(root, 'profile.json');
    expect((await preevy('profile', 'export', '--profile', 'ec2', '--output', file)).exitCode).toBe(0);
    const fresh = { ...env, PREEVY_HOME: join(root, 'home2'), PREEVY_PROFILE_FILE: file };
    const ls = await execFile(process.execPath, [CLI_BIN, 'ls', '--json'], { cwd: project, env: fresh });
    expect(ls.exitCode, ls.stderr).toBe(0);
    const [entry] = JSON.parse(ls.stdout) as Array<{ envId: string; source: string; lastUpAt?: string; lastActivityAt?: string }>;
    expect(entry).toMatchObject({ envId, source: 'driver', host: 'running t3.small, stops after 1 min idle' });
    // The idle stop's last run (the test above) wrote the machine's last activity; ls reads it over SSH.
    const written = (await host.exec(['cat', '/var/lib/preevy/last-activity'])).stdout.trim();
    expect(written).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(entry!.lastActivityAt).toBe(written);
    const table = await execFile(process.execPath, [CLI_BIN, 'ls'], { cwd: project, env: fresh });
    expect(table.stdout).toMatch(new RegExp(`${envId} +running \\(no local record\\) +ec2 +running t3.small, stops after 1 min idle, active (<1|\\d+)m ago +(<1|\\d+)m ago`));
    expect(Date.now() - Date.parse(entry!.lastUpAt ?? '')).toBeLessThan(10 * 60_000);
  });

  it('should recreate the machine when its instance type changes', async () => {
    const [before] = await live();
    const res = await preevy('up', '--id', envId, '--build-local', '--ec2-instance-type', 't3.medium');
    expect(res.exitCode, res.stderr).toBe(0);
    const after = await live();
    expect(after.map((i) => i.InstanceType)).toEqual(['t3.medium']);
    expect(after[0]!.InstanceId).not.toBe(before!.InstanceId);
    expect((await instances()).find((i) => i.InstanceId === before!.InstanceId)?.State?.Name).toBe('terminated');
  });

  it('should refuse the machine once its host key changed, naming the option that re-pins it, and go on once it is pinned', async () => {
    await host.replaceHostKeys();
    const fresh = await host.hostKey();
    const res = await preevy('up', '--id', envId, '--build-local', '--ec2-instance-type', 't3.medium');
    expectRefused(res, 'SSH_HOST_KEY_CHANGED');
    expect(res.exitCode).toBe(5);
    expect(res.stderr).toContain(`preevy up --ec2-host-key '${fresh}'`);
    const repinned = await preevy('up', '--id', envId, '--build-local', '--ec2-instance-type', 't3.medium', '--ec2-host-key', fresh);
    expect(repinned.exitCode, repinned.stderr).toBe(0);
  });

  it('should terminate the machine and delete its key pair and group on down, twice safely', async () => {
    const down = await preevy('down', '--id', envId, '--json');
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await live()).toEqual([]);
    const tagged = [{ Name: `tag:${ENV_LABEL}`, Values: [envId] }];
    expect((await client.send(new DescribeKeyPairsCommand({ Filters: tagged }))).KeyPairs).toEqual([]);
    expect((await client.send(new DescribeSecurityGroupsCommand({ Filters: tagged }))).SecurityGroups).toEqual([]);
    const again = await preevy('down', '--id', envId);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it("should have made only calls the README's IAM policy allows, and the policy should list nothing unused but conditional calls", async () => {
    const made = [...new Set((await moto.actionsBy(CLI_ACCESS_KEY)).map((a) => `ec2:${a}`))].sort();
    const policy = readmePolicyActions().sort();
    expect(made.filter((a) => !policy.includes(a))).toEqual([]);
    // Only on paths this test does not take: a subnet given, and SSH opened to a CIDR instead of a proxy command.
    expect(policy.filter((a) => !made.includes(a))).toEqual(['ec2:AuthorizeSecurityGroupIngress', 'ec2:DescribeSubnets']);
  });
});
