import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execFile, type ExecResult } from '../support/exec-file.js';
import { MOTO_CREDENTIALS, startMoto, type Moto } from '../support/moto.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { getViaLoopback, offlineEnv } from '../support/preevy-e2e.js';
import { bridgeGatewayAddress, startSshHost, type SshTestHost } from '../support/ssh-host.js';
import { startTestTunnelServer, type TestTunnelServer } from '../support/test-tunnel-server.js';

interface UpJson {
  name: string;
  envId: string;
  containerId: string;
  created: boolean;
  sync: { sent: number };
  urls: Array<{ port: number; url: string }>;
}

const ENV_LABEL = 'dev.preevy.env-id';
/** The machine stops after this many seconds idle: `--ec2-inactivity-timeout 0.5` (minutes). */
const IDLE_SECONDS = 30;


// A devcontainer workspace on `--driver ec2`: moto as the EC2 API and, as the "instance", the
// stand-in SSH host (a container with a real sshd and dockerd), reached only through a proxy
// command to loopback (moto invents the instance's addresses: never dialled). Then the machine's
// idle stop, as its user data installs it, run on the stand-in against the workspace's agent: an
// open `workspace ssh` session keeps the machine up, its end lets it stop. One machine for all.
describe('preevy workspace --driver ec2 (built binary, moto + stand-in host behind a proxy command)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-wsec2-'));
  const name = `wse${randomBytes(3).toString('hex')}`;
  const envId = `ws-${name}`;
  const folder = join(root, name);
  const home = join(root, 'home');
  const proxyLog = join(root, 'proxy.log');
  let env: NodeJS.ProcessEnv = {};
  let moto: Moto;
  let client: EC2Client;
  let host: SshTestHost;
  let tunnel: TestTunnelServer | undefined;
  let up: UpJson;
  /** When a visitor last came through the workspace's tunnel. */
  let lastVisit = 0;
  const preevy = (...args: string[]): Promise<ExecResult> => execFile(process.execPath, [CLI_BIN, ...args], { cwd: root, env, timeoutMs: 400_000 });
  const workspaceUp = async (): Promise<UpJson> => {
    const res = await preevy('workspace', 'up', folder, '--load-image', 'preevy-test/node:20', '--json');
    expect(res.exitCode, `${res.stderr}${res.stdout}`).toBe(0);
    return JSON.parse(res.stdout) as UpJson;
  };
  const tagged = [{ Name: `tag:${ENV_LABEL}`, Values: [envId] }];
  const live = async (): Promise<Instance[]> =>
    ((await client.send(new DescribeInstancesCommand({ Filters: tagged }))).Reservations?.flatMap((r) => r.Instances ?? []) ?? []).filter((i) => i.State?.Name !== 'terminated');

  beforeAll(async () => {
    const gateway = await bridgeGatewayAddress();
    moto = await startMoto();
    client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
    const ami = (await client.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    host = await startSshHost(`preevy-e2e-wsec2-${randomBytes(3).toString('hex')}`, root);
    env = { ...offlineEnv(home), ...moto.env, PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest', PROXY_LOG: proxyLog };
    cpSync(join(REPO_ROOT, 'test/fixtures/workspace-basic'), folder, { recursive: true });
    tunnel = await startTestTunnelServer({ listenHost: gateway, home, dir: root, name: 'wsec2' });
    // The proxy command is what keeps this test off moto's invented addresses: never run without it.
    const proxyCommand = `${process.execPath} ${join(REPO_ROOT, 'test/support/stdio-proxy.mjs')} 127.0.0.1 ${host.port}`;
    const created = await preevy('profile', 'create', 'ec2', '--driver', 'ec2', '--ec2-endpoint', moto.endpoint, '--ec2-region', 'us-east-1', '--ec2-ami', ami, '--ec2-ssh-user', 'tester',
      '--ec2-ssh-proxy-command', proxyCommand, '--ec2-ready-timeout', '60', '--ec2-inactivity-timeout', String(IDLE_SECONDS / 60), '--tunnel-url', tunnel.tunnelUrl, '--use', '--json');
    expect(created.exitCode, created.stderr).toBe(0);
    // cloud-init would authorize the profile's key and make /var/lib/preevy on a real machine; the stand-in gets them here.
    const { publicKey } = JSON.parse(created.stdout) as { publicKey: string };
    const authorized = await host.exec(['sh', '-c', `printf '%s\\n' '${publicKey}' >> /home/tester/.ssh/authorized_keys && install -d -o tester -m 0755 /var/lib/preevy`]);
    expect(authorized.exitCode, authorized.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    if (host) await preevy('workspace', 'down', name, '--yes');
    await tunnel?.stop();
    await host?.remove();
    client?.destroy();
    await moto?.stop();
    rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it('should build the devcontainer on a tagged machine reached only through the proxy command', async () => {
    up = await workspaceUp();
    expect(up).toMatchObject({ name, envId, created: true });
    const res = await preevy('workspace', 'ssh', name, '--', `cat /workspaces/${name}/notes.txt /built.txt`);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe('the original text\nfrom-dockerfile\n');
    const [instance, ...more] = await live();
    expect(more).toEqual([]);
    expect(Object.fromEntries((instance!.Tags ?? []).map((t) => [t.Key!, t.Value!]))).toMatchObject({ [ENV_LABEL]: envId, 'dev.preevy.idle-stop-minutes': String(IDLE_SECONDS / 60) });
    const dials = readFileSync(proxyLog, 'utf8').split('\n').filter(Boolean);
    expect(dials.length).toBeGreaterThan(0);
    expect(dials.every((d) => d === JSON.stringify(['127.0.0.1', String(host.port)]))).toBe(true);
    expect((await host.exec(['docker', 'ps', '-q', '--filter', `id=${up.containerId}`])).stdout.trim()).not.toBe('');
  });

  it('should publish forwardPorts as a private tunnel URL that answers with no ssh session open', async () => {
    expect(up.urls).toEqual([{ service: 'workspace', port: 8080, name: '8080', url: expect.stringMatching(new RegExp(`^http://8080-${envId}-[a-z0-9]+\\.wsec2\\.localhost:\\d+$`)) as string }]);
    expect((await getViaLoopback(up.urls[0]!.url)).status).toBe(401);
    const signed = await preevy('urls', '--id', envId, '--include-access-credentials', '--json');
    expect(signed.exitCode, signed.stderr).toBe(0);
    const token = new URL((JSON.parse(signed.stdout) as Array<{ url: string }>)[0]!.url).searchParams.get('preevy_token')!;
    expect(await getViaLoopback(up.urls[0]!.url, token)).toEqual({ status: 200, body: 'the original text\n' });
    lastVisit = Date.now();
  });

  it('should sync an edit on the next up without remaking the container', async () => {
    writeFileSync(join(folder, 'notes.txt'), 'edited on the laptop\n');
    const again = await workspaceUp();
    expect(again).toMatchObject({ created: false, containerId: up.containerId, sync: { sent: 1 } });
    expect((await preevy('workspace', 'ssh', name, '--', `cat /workspaces/${name}/notes.txt`)).stdout).toBe('edited on the laptop\n');
  });

  it("should keep the machine up while a workspace ssh session is open, and stop it once the session is over: the idle stop of its user data, on the machine, with the workspace's agent", async () => {
    const [instance] = await live();
    const attr = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: instance!.InstanceId, Attribute: 'userData' }));
    const doc = parse(Buffer.from(attr.UserData!.Value!, 'base64').toString()) as { write_files: Array<{ path: string; content: string }> };
    const file = (path: string): string => doc.write_files.find((f) => f.path === path)!.content;
    const unitEnv = [...file('/etc/systemd/system/preevy-idle-stop.service').matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => `${m[1]}=${m[2]}`);
    expect(unitEnv).toContain(`PREEVY_IDLE_SECONDS=${IDLE_SECONDS}`);
    // Installed as cloud-init would; `shutdown` stands in as a marker file (the stand-in is a container).
    const script = Buffer.from(file('/usr/local/sbin/preevy-idle-stop')).toString('base64');
    expect((await host.exec(['sh', '-c', `echo ${script} | base64 -d > /usr/local/sbin/preevy-idle-stop && chmod 755 /usr/local/sbin/preevy-idle-stop && rm -f /tmp/stopped`])).exitCode).toBe(0);
    const idleStop = async (): Promise<void> => {
      // preevy's own connections (the session's too) touch this file: aged, so what keeps the machine up can only be the agent's report.
      expect((await host.exec(['touch', '-d', '1 hour ago', '/var/lib/preevy/activity'])).exitCode).toBe(0);
      const run = await host.exec(['env', ...unitEnv, 'PREEVY_SHUTDOWN=touch /tmp/stopped', '/usr/local/sbin/preevy-idle-stop']);
      expect(run.exitCode, run.stderr).toBe(0);
    };
    const stopped = async () => (await host.exec(['test', '-e', '/tmp/stopped'])).exitCode === 0;
    const agent = (await host.exec(['docker', 'ps', '-q', '--filter', 'label=dev.preevy.agent', '--filter', `label=${ENV_LABEL}=${envId}`])).stdout.trim();
    expect(agent).not.toBe('');
    /** What the idle stop reads: the agent's state file. */
    const reported = async (): Promise<number> => {
      const state = JSON.parse((await host.exec(['docker', 'exec', agent, 'cat', '/tmp/preevy-agent-state.json'])).stdout) as { lastActivityAt?: string };
      return Date.parse(state.lastActivityAt ?? '');
    };

    // A quiet session (no output until the end), longer than the timeout.
    const sessionStart = Date.now();
    const session = spawn(process.execPath, [CLI_BIN, 'workspace', 'ssh', name, '--', 'sleep 50; echo done'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    session.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ended = new Promise<number | null>((resolve) => session.on('close', resolve));
    try {
      // The session reaches the state file, the only place the machine's idle stop looks (no visitor since the URL test).
      await expect.poll(reported, { timeout: 30_000, interval: 1_000 }).toBeGreaterThan(sessionStart);
      // Past the timeout since the last visitor and since the session began, the session still holds the machine.
      await new Promise((r) => setTimeout(r, Math.max(0, sessionStart + (IDLE_SECONDS + 5) * 1_000 - Date.now())));
      expect(Date.now() - lastVisit).toBeGreaterThan((IDLE_SECONDS + 5) * 1_000);
      expect(Date.now() - (await reported())).toBeLessThan(IDLE_SECONDS * 1_000);
      await idleStop();
      expect(await stopped()).toBe(false);
    } finally {
      expect(await ended).toBe(0);
    }
    expect(out).toBe('done\n');
    await idleStop();
    expect(await stopped()).toBe(false);

    // Then nothing: the machine stops, not before the timeout has passed since the session's last activity.
    await expect.poll(async () => (await idleStop(), stopped()), { timeout: (IDLE_SECONDS + 30) * 1_000, interval: 2_000 }).toBe(true);
    const last = await reported();
    expect(last).toBeGreaterThan(sessionStart + IDLE_SECONDS * 1_000);
    expect(Date.now()).toBeGreaterThanOrEqual(last + IDLE_SECONDS * 1_000 - 1_000);
    expect((await host.exec(['cat', '/var/lib/preevy/idle-stops.log'])).stdout).toMatch(/stopping: idle since \d{4}-\d\d-\d\dT/);
  }, 180_000);

  it('should keep an agent beside a workspace with no ports on such a machine, so its SSH sessions still count', async () => {
    const config = join(folder, '.devcontainer', 'devcontainer.json');
    writeFileSync(config, readFileSync(config, 'utf8').replace('"forwardPorts": [8080],', ''));
    const again = await workspaceUp();
    expect(again).toMatchObject({ created: true, urls: [] });
    const agent = (await host.exec(['docker', 'ps', '-q', '--filter', 'label=dev.preevy.agent', '--filter', `label=${ENV_LABEL}=${envId}`])).stdout.trim();
    expect(agent).not.toBe('');
    const before = Date.now();
    expect((await preevy('workspace', 'ssh', name, '--', 'true')).exitCode).toBe(0);
    const reported = async (): Promise<number> => Date.parse((JSON.parse((await host.exec(['docker', 'exec', agent, 'cat', '/tmp/preevy-agent-state.json'])).stdout) as { lastActivityAt?: string }).lastActivityAt ?? '');
    await expect.poll(reported, { timeout: 30_000, interval: 1_000 }).toBeGreaterThan(before);
  });

  it('should terminate the machine and delete its key pair and group on down --yes', async () => {
    const res = await preevy('workspace', 'down', name, '--yes');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await live()).toEqual([]);
    expect((await client.send(new DescribeKeyPairsCommand({ Filters: tagged }))).KeyPairs).toEqual([]);
    expect((await client.send(new DescribeSecurityGroupsCommand({ Filters: tagged }))).SecurityGroups).toEqual([]);
    expect((await preevy('workspace', 'ls', '--json')).stdout).not.toContain(`"${name}"`);
  });
});
