import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { KUBE_DIND_IMAGE, KUBE_HOST_IP, KUBECONFIG_FILE, requireKubeCluster } from '../support/kube-cluster.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { offlineEnv } from '../support/preevy-e2e.js';
import { startTestTunnelServer, type TestTunnelServer } from '../support/test-tunnel-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A workspace on a kube-pod host with a volume and a 15 s idle timeout: once idle, the agent in
// the dind pod stops the container and scales the host's Deployment to zero through the API
// (the `kubernetes` service, routed by the test node's kube-proxy), the claim stays, and only
// `workspace start` brings it back with /workspaces intact. The same host binds
// --kube-pod-cluster-role in its namespace.
describe('preevy workspace --driver kube-pod: idle scale to zero and cluster role (built binary, test cluster)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-wskidle-'));
  const name = `wsi${randomBytes(3).toString('hex')}`;
  const folder = join(root, name);
  const home = join(root, 'home');
  const suffix = randomBytes(3).toString('hex');
  const namespace = `preevy-e2e-wsidle-${suffix}`;
  // A class of our own, served by one hostPath volume this test makes (the test node has no provisioner).
  const storageClass = `preevy-e2e-${suffix}`;
  const pvName = `preevy-e2e-wsidle-${suffix}`;
  const pvDir = join(root, 'pv');
  const env = { ...offlineEnv(home), PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest' };
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: root, env, timeoutMs: 400_000 });
  const selector = `dev.preevy.env-id=ws-${name}`;
  let kc: KubeConfig;
  let tunnel: TestTunnelServer | undefined;

  const deployment = async () => (await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace, labelSelector: selector })).items[0];
  const listed = async () => (JSON.parse((await preevy('workspace', 'ls', '--json')).stdout) as Array<{ name: string; state: string }>).find((w) => w.name === name);

  beforeAll(async () => {
    // Also checks the node's veth exists: without it KUBE_HOST_IP is not this machine's.
    kc = await requireKubeCluster();
    cpSync(join(REPO_ROOT, 'test/fixtures/workspace-basic'), folder, { recursive: true });
    await kc.makeApiClient(CoreV1Api).createPersistentVolume({
      body: {
        metadata: { name: pvName },
        spec: { storageClassName: storageClass, capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: pvDir, type: 'DirectoryOrCreate' } },
      },
    });
    tunnel = await startTestTunnelServer({ listenHost: KUBE_HOST_IP, home, dir: root, name: 'kidle' });
    const created = await preevy('profile', 'create', 'kube', '--driver', 'kube-pod', '--kube-pod-namespace', namespace, '--kube-pod-kubeconfig', KUBECONFIG_FILE,
      '--kube-pod-dind-image', KUBE_DIND_IMAGE, '--kube-pod-create-namespace', '--kube-pod-storage-size', '1Gi', '--kube-pod-storage-class', storageClass,
      '--kube-pod-cluster-role', 'view', '--tunnel-url', tunnel.tunnelUrl, '--use');
    expect(created.exitCode, created.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await preevy('workspace', 'down', name, '--yes');
    await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }).catch(() => undefined);
    await kc?.makeApiClient(CoreV1Api).deletePersistentVolume({ name: pvName }).catch(() => undefined);
    await tunnel?.stop();
    rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it('should bind the cluster role and the idle scale Role to the host\'s own service account', async () => {
    const up = await preevy('workspace', 'up', folder, '--container-inactivity-timeout', '15s', '--load-image', 'preevy-test/node:20', '--json');
    expect(up.exitCode, `${up.stderr}${up.stdout}`).toBe(0);
    const d = await deployment();
    const host = d!.metadata!.name!;
    expect(d!.spec!.template.spec).toMatchObject({ serviceAccountName: host, automountServiceAccountToken: true });
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const bindings = (await rbac.listNamespacedRoleBinding({ namespace, labelSelector: selector })).items;
    const subject = [{ kind: 'ServiceAccount', name: host, namespace }];
    expect(bindings.find((b) => b.roleRef.kind === 'ClusterRole')).toMatchObject({ metadata: { name: `${host}-cluster-role` }, roleRef: { name: 'view' }, subjects: subject });
    expect(bindings.find((b) => b.roleRef.kind === 'Role')).toMatchObject({ roleRef: { name: `${host}-idle-scale` }, subjects: subject });
    const role = await rbac.readNamespacedRole({ namespace, name: `${host}-idle-scale` });
    expect(role.rules).toEqual([{ apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: [host], verbs: ['get', 'patch'] }]);
  }, 420_000);

  it('should scale the host to zero once idle, keep its claim, show it stopped, and not resume for a client', async () => {
    const wrote = await preevy('workspace', 'ssh', name, '--', `echo kept > /workspaces/${name}/idle-proof.txt`);
    expect(wrote.exitCode, wrote.stderr).toBe(0);
    // 15 s idle, a check every 10 s, the container's stop, then the scale: well under 90 s.
    let replicas: number | undefined;
    for (let i = 0; i < 45 && replicas !== 0; i += 1) {
      await sleep(2_000);
      replicas = (await deployment())?.spec?.replicas;
    }
    expect(replicas).toBe(0);
    const claims = (await kc.makeApiClient(CoreV1Api).listNamespacedPersistentVolumeClaim({ namespace, labelSelector: selector })).items;
    expect(claims.map((c) => c.status?.phase)).toEqual(['Bound']);
    let state: string | undefined;
    for (let i = 0; i < 20 && !state?.startsWith('stopped'); i += 1) {
      state = (await listed())?.state;
      if (!state?.startsWith('stopped')) await sleep(1_000);
    }
    expect(state).toBe('stopped (host scaled to zero)');
    // A client (ssh) fails with the typed error and leaves the host at zero.
    const ssh = await preevy('workspace', 'ssh', name, '--', 'true');
    expect(ssh.exitCode).not.toBe(0);
    expect(ssh.stderr).toMatch(/HOST_STOPPED|scaled to zero/);
    expect((await deployment())?.spec?.replicas).toBe(0);
  }, 150_000);

  it('should scale it back with workspace start, the file in /workspaces intact', async () => {
    const started = await preevy('workspace', 'start', name, '--load-image', 'preevy-test/node:20', '--json');
    expect(started.exitCode, `${started.stderr}${started.stdout}`).toBe(0);
    expect((await deployment())?.spec?.replicas).toBe(1);
    expect((await listed())?.state).toBe('running');
    const res = await preevy('workspace', 'ssh', name, '--', `cat /workspaces/${name}/idle-proof.txt`);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe('kept\n');
  }, 420_000);

  it('should remove the role bindings with the host', async () => {
    const res = await preevy('workspace', 'down', name, '--yes');
    expect(res.exitCode, res.stderr).toBe(0);
    expect((await kc.makeApiClient(RbacAuthorizationV1Api).listNamespacedRoleBinding({ namespace, labelSelector: selector })).items).toEqual([]);
    expect(await deployment()).toBeUndefined();
  }, 180_000);
});
