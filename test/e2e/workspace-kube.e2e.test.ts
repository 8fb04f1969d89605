import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { KUBE_DIND_IMAGE, KUBECONFIG_FILE, requireKubeCluster } from '../support/kube-cluster.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { offlineEnv } from '../support/preevy-e2e.js';

interface UpJson {
  name: string;
  created: boolean;
  workspaceFolder: string;
  sync: { sent: number };
}

// A compose devcontainer (two services) as a workspace on the kube-pod driver: its own dind pod on
// the real test cluster, every image sent there (no registry), the shell through the port-forward.
describe('preevy workspace --driver kube-pod (built binary, test cluster)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-wskube-'));
  const name = `wsk${randomBytes(3).toString('hex')}`;
  const folder = join(root, name);
  const home = join(root, 'home');
  const namespace = `preevy-e2e-ws-${randomBytes(3).toString('hex')}`;
  const env = { ...offlineEnv(home), PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest' };
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: root, env, timeoutMs: 400_000 });
  const up = async (): Promise<UpJson> => {
    const res = await preevy('workspace', 'up', folder, '--load-image', 'preevy-test/node:20', '--json');
    expect(res.exitCode, `${res.stderr}${res.stdout}`).toBe(0);
    return JSON.parse(res.stdout) as UpJson;
  };
  let kc: KubeConfig;

  beforeAll(async () => {
    // Also checks the node's veth exists: without it the cluster's address is not this machine's.
    kc = await requireKubeCluster();
    cpSync(join(REPO_ROOT, 'test/fixtures/workspace-compose'), folder, { recursive: true });
    const created = await preevy('profile', 'create', 'kube', '--driver', 'kube-pod', '--kube-pod-namespace', namespace, '--kube-pod-kubeconfig', KUBECONFIG_FILE,
      '--kube-pod-dind-image', KUBE_DIND_IMAGE, '--kube-pod-create-namespace', '--use');
    expect(created.exitCode, created.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await preevy('workspace', 'down', name, '--yes');
    await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it('should build the compose devcontainer in its own dind pod with both services running', async () => {
    const out = await up();
    expect(out).toMatchObject({ name, created: true, workspaceFolder: `/workspaces/${name}` });
    const res = await preevy('workspace', 'ssh', name, '--', 'cat notes.txt; pwd; node -e "fetch(\'http://web/\').then((r) => r.text()).then((t) => process.stdout.write(t))"');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe(`compose notes\n/workspaces/${name}\nhello from web\n`);
    const deployments = await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace, labelSelector: `dev.preevy.env-id=ws-${name}` });
    expect(deployments.items).toHaveLength(1);
  });

  it('should sync an edit without a rebuild, postCreateCommand having run once, and a bind-mounted file of another service', async () => {
    writeFileSync(join(folder, 'notes.txt'), 'edited for kube\n');
    writeFileSync(join(folder, '.devcontainer/www/index.html'), 'edited web\n');
    const out = await up();
    // Both are in the sources; the web service sees its copy of the folder it bind-mounts.
    expect(out).toMatchObject({ created: false, sync: { sent: 2 } });
    const res = await preevy('workspace', 'ssh', name, '--', 'cat notes.txt; wc -l < /tmp/post-create.log; node -e "fetch(\'http://web/\').then((r) => r.text()).then((t) => process.stdout.write(t))"');
    expect(res.stdout).toBe('edited for kube\n1\nedited web\n');
  });

  it('should remove the pod with the workspace', async () => {
    const res = await preevy('workspace', 'down', name, '--yes');
    expect(res.exitCode, res.stderr).toBe(0);
    const deployments = await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace, labelSelector: `dev.preevy.env-id=ws-${name}` });
    expect(deployments.items).toEqual([]);
  });
});
