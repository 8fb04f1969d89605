import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, type ExecResult } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { getViaLoopback, offlineEnv } from '../support/preevy-e2e.js';
import { bridgeGatewayAddress, startSshHost, type SshTestHost } from '../support/ssh-host.js';
import { startTestTunnelServer, type TestTunnelServer } from '../support/test-tunnel-server.js';

interface UpJson {
  name: string;
  envId: string;
  containerId: string;
  created: boolean;
  workspaceFolder: string;
  sync: { sent: number };
  urls: Array<{ port: number; url: string }>;
}


// A devcontainer workspace on `--driver ssh`: the stand-in host (a container with a real sshd and
// dockerd, test/infra/ssh-host.sh) cannot see this machine's files nor pull an image, so the
// runtime, the agent and the Dockerfile's base image travel over the SSH socket forward; its agent
// publishes through a tunnel server on this machine's docker0 address (which the stand-in reaches).
// One host for every assertion.
describe('preevy workspace --driver ssh (built binary, stand-in SSH host)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-wsssh-'));
  const name = `wss${randomBytes(3).toString('hex')}`;
  const envId = `ws-${name}`;
  const folder = join(root, name);
  const home = join(root, 'home');
  const env: NodeJS.ProcessEnv = { ...offlineEnv(home), PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest' };
  let host: SshTestHost;
  let tunnel: TestTunnelServer | undefined;
  let up: UpJson;
  const preevy = (...args: string[]): Promise<ExecResult> => execFile(process.execPath, [CLI_BIN, ...args], { cwd: root, env, timeoutMs: 400_000 });
  const workspaceUp = async (): Promise<UpJson> => {
    const res = await preevy('workspace', 'up', folder, '--load-image', 'preevy-test/node:20', '--json');
    expect(res.exitCode, `${res.stderr}${res.stdout}`).toBe(0);
    return JSON.parse(res.stdout) as UpJson;
  };
  /** Everything labelled with the workspace's env id on the stand-in's own engine. */
  const onHost = async (): Promise<string[]> => {
    const ids: string[] = [];
    for (const kind of ['container', 'network', 'volume'] as const) {
      const res = await host.exec(['docker', kind, 'ls', ...(kind === 'container' ? ['-a'] : []), '-q', '--filter', `label=dev.preevy.env-id=${envId}`]);
      expect(res.exitCode, res.stderr).toBe(0);
      ids.push(...res.stdout.split('\n').filter(Boolean).map((id) => `${kind}/${id}`));
    }
    return ids;
  };

  beforeAll(async () => {
    // Checked to be this machine's docker0 address before anything dials it.
    const gateway = await bridgeGatewayAddress();
    host = await startSshHost(`preevy-e2e-wsssh-${randomBytes(3).toString('hex')}`, root);
    cpSync(join(REPO_ROOT, 'test/fixtures/workspace-basic'), folder, { recursive: true });
    tunnel = await startTestTunnelServer({ listenHost: gateway, home, dir: root, name: 'wsssh' });
    const created = await preevy('profile', 'create', 'ssh', '--driver', 'ssh', '--ssh-host', host.target, '--ssh-identity-file', host.identityFile, '--tunnel-url', tunnel.tunnelUrl, '--use');
    expect(created.exitCode, created.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    if (host) await preevy('workspace', 'down', name, '--yes');
    await tunnel?.stop();
    await host?.remove();
    rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it("should build the devcontainer on the host's engine, with the sources in its volume", async () => {
    up = await workspaceUp();
    expect(up).toMatchObject({ name, envId, created: true, workspaceFolder: `/workspaces/${name}` });
    const res = await preevy('workspace', 'ssh', name, '--', `cat /workspaces/${name}/notes.txt /built.txt /feature.txt`);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe('the original text\nfrom-dockerfile\nhi from the feature\n');
    // On the stand-in's engine, with /workspaces on the named volume; nothing on this machine's engine.
    const mounts = await host.exec(['docker', 'inspect', '--format', '{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}} {{end}}', up.containerId]);
    expect(mounts.stdout).toContain(`volume:preevy-ws-${name}:/workspaces`);
    expect((await execFile('docker', ['ps', '-aq', '--filter', `label=dev.preevy.env-id=${envId}`])).stdout).toBe('');
  });

  it('should publish forwardPorts as a private tunnel URL that answers with no ssh session open', async () => {
    expect(up.urls).toEqual([{ service: 'workspace', port: 8080, name: '8080', url: expect.stringMatching(new RegExp(`^http://8080-${envId}-[a-z0-9]+\\.wsssh\\.localhost:\\d+$`)) as string }]);
    expect((await getViaLoopback(up.urls[0]!.url)).status).toBe(401);
    const signed = await preevy('urls', '--id', envId, '--include-access-credentials', '--json');
    expect(signed.exitCode, signed.stderr).toBe(0);
    const token = new URL((JSON.parse(signed.stdout) as Array<{ url: string }>)[0]!.url).searchParams.get('preevy_token')!;
    expect(await getViaLoopback(up.urls[0]!.url, token)).toEqual({ status: 200, body: 'the original text\n' });
  });

  it('should sync an edit on the next up without remaking the container', async () => {
    writeFileSync(join(folder, 'notes.txt'), 'edited on the laptop\n');
    const again = await workspaceUp();
    expect(again).toMatchObject({ created: false, containerId: up.containerId, sync: { sent: 1 } });
    const res = await preevy('workspace', 'ssh', name, '--', `cat /workspaces/${name}/notes.txt; wc -l < /tmp/post-create.log`);
    expect(res.stdout).toBe('edited on the laptop\n1\n');
    expect(again.urls).toEqual(up.urls);
  });

  it('should leave nothing labelled on the host after down --yes', async () => {
    expect(await onHost()).not.toEqual([]);
    const res = await preevy('workspace', 'down', name, '--yes');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await onHost()).toEqual([]);
    expect((await preevy('workspace', 'ls', '--json')).stdout).not.toContain(`"${name}"`);
  });
});
