import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, RbacAuthorizationV1Api, type KubernetesObject, type V1ConfigMap, type V1Deployment } from '@kubernetes/client-node';
import { environmentLabels } from '@preevy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../../../test/support/exec-file.js';
import { KUBE_DIND_IMAGE, requireKubeCluster } from '../../../test/support/kube-cluster.js';
import { caught } from '../../../test/support/preevy-error-of.js';
import { applyObjects, type AppliedObject } from './apply-objects.js';
import { deleteEnvironmentObjects, pruneEnvironmentObjects } from './delete-objects.js';
import { pingDocker } from './docker-ping.js';
import { ensureNamespace } from './ensure-namespace.js';
import { connectToHost, findReadyPod, type KubeHostConnection } from './host-connection.js';
import { DOCKER_HOST_COMPONENT, KUBE_ANNOTATIONS, KUBE_LABELS, labelSelector } from './kube-labels.js';
import { listHostDeployments } from './list-host-deployments.js';
import { execInPod } from './pod-exec.js';
import { waitForHost } from './wait-host-ready.js';

// The kube-pod driver's lifecycle helpers against the real single-node test cluster
// (test/infra/kube): namespace, apply, wait, connect, survive a pod restart, isolation of the
// Docker API, delete, and the errors a user meets (interrupt, missing namespace, missing RBAC).

const suffix = randomBytes(3).toString('hex');
const NAMESPACE = `preevy-life-${suffix}`;
const HOST_ID = `h-${suffix}`;
const ENV = environmentLabels({ profileId: 'p-life', envId: `env-${suffix}` });
const SELECTOR = labelSelector(ENV);
const HOST_PODS = `${KUBE_LABELS.hostId}=${HOST_ID}`;
/** The root namespace's end of the node's veth: routes to pod IPs hang on it (test/infra/kube/README.md). */
const NODE_LINK = '/sys/class/net/pk8s-h';

const dindDeployment = (name: string, hostId: string, image = KUBE_DIND_IMAGE, imagePullPolicy = 'IfNotPresent'): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { [KUBE_LABELS.component]: DOCKER_HOST_COMPONENT, [KUBE_LABELS.hostId]: hostId } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { [KUBE_LABELS.hostId]: hostId } },
    template: {
      metadata: { labels: { [KUBE_LABELS.hostId]: hostId } },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'dind',
            image,
            imagePullPolicy,
            // the image's entrypoint stays; dockerd's API only on the pod's loopback
            args: ['dockerd', '--host=tcp://127.0.0.1:2375', '--host=unix:///var/run/docker.sock', '--tls=false'],
            securityContext: { privileged: true },
            readinessProbe: { exec: { command: ['docker', 'version'] }, periodSeconds: 2, failureThreshold: 150 },
            volumeMounts: [{ name: 'docker', mountPath: '/var/lib/docker' }],
          },
        ],
        volumes: [{ name: 'docker', emptyDir: {} }],
      },
    },
  },
});

const configMap = (name: string, data: Record<string, string>): V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

const OBJECTS: KubernetesObject[] = [dindDeployment('docker-host', HOST_ID), configMap('host-config', { a: '1' })];

describe('kube-pod host lifecycle on the test cluster', () => {
  let kc: KubeConfig;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let connection: KubeHostConnection | undefined;
  const applied: AppliedObject[] = [];

  beforeAll(async () => {
    kc = await requireKubeCluster();
    apps = kc.makeApiClient(AppsV1Api);
    core = kc.makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await connection?.close();
    await core?.deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
  });

  it('should create the namespace when asked, labelled as preevy\'s, and find it the next time', async () => {
    expect(await ensureNamespace(kc, NAMESPACE, { create: true })).toBe('created');
    expect((await core.readNamespace({ name: NAMESPACE })).metadata?.labels).toMatchObject({ 'dev.preevy.managed-by': 'preevy' });
    expect(await ensureNamespace(kc, NAMESPACE, { create: false })).toBe('exists');
  });

  it('should apply a Deployment and a ConfigMap, labelled with the environment and annotated with the template hash', async () => {
    const result = await applyObjects(kc, OBJECTS, { namespace: NAMESPACE, labels: ENV, templateHash: 'hash-1', serverSideApply: true });
    expect(result).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'docker-host', action: 'created' },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'host-config', action: 'created' },
    ]);
    applied.push(...result);
    const deployment = await apps.readNamespacedDeployment({ namespace: NAMESPACE, name: 'docker-host' });
    const cm = await core.readNamespacedConfigMap({ namespace: NAMESPACE, name: 'host-config' });
    for (const meta of [deployment.metadata, cm.metadata]) {
      expect(meta?.labels).toMatchObject(ENV);
      expect(meta?.annotations?.[KUBE_ANNOTATIONS.templateHash]).toBe('hash-1');
      expect(meta?.managedFields?.map((f) => f.manager)).toContain('preevy');
    }
    expect(deployment.spec?.template.metadata?.labels).toMatchObject({ ...ENV, [KUBE_LABELS.hostId]: HOST_ID });
  });

  it('should leave unchanged objects alone: same template hash, same resourceVersion', async () => {
    const before = await Promise.all([apps.readNamespacedDeployment({ namespace: NAMESPACE, name: 'docker-host' }), core.readNamespacedConfigMap({ namespace: NAMESPACE, name: 'host-config' })]);
    const result = await applyObjects(kc, OBJECTS, { namespace: NAMESPACE, labels: ENV, templateHash: 'hash-1', serverSideApply: true });
    expect(result.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
    const after = await Promise.all([apps.readNamespacedDeployment({ namespace: NAMESPACE, name: 'docker-host' }), core.readNamespacedConfigMap({ namespace: NAMESPACE, name: 'host-config' })]);
    expect(after.map((o) => o.metadata?.resourceVersion)).toEqual(before.map((o) => o.metadata?.resourceVersion));
  });

  it('should create and replace without server-side apply', async () => {
    const result = await applyObjects(kc, [configMap('host-config', { a: '2' }), configMap('extra-config', { b: '1' })], {
      namespace: NAMESPACE,
      labels: ENV,
      templateHash: 'hash-2',
      serverSideApply: false,
    });
    expect(result.map((r) => [r.name, r.action])).toEqual([
      ['host-config', 'updated'],
      ['extra-config', 'created'],
    ]);
    applied.push(...result);
    const cm = await core.readNamespacedConfigMap({ namespace: NAMESPACE, name: 'host-config' });
    expect([cm.data, cm.metadata?.annotations?.[KUBE_ANNOTATIONS.templateHash]]).toEqual([{ a: '2' }, 'hash-2']);
  });

  it('should report a server-side apply conflict naming the field and the other manager', async () => {
    // another tool takes over a field preevy applied
    await KubernetesObjectApi.makeApiClient(kc).patch(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'host-config', namespace: NAMESPACE }, data: { a: 'edited' } },
      undefined,
      undefined,
      'other-tool',
      true,
      PatchStrategy.ServerSideApply,
    );
    const err = await caught(applyObjects(kc, [configMap('host-config', { a: '3' })], { namespace: NAMESPACE, labels: ENV, templateHash: 'hash-3', serverSideApply: true }));
    expect(err).toMatchObject({ code: 'KUBE_APPLY_CONFLICT', kind: 'conflict' });
    expect(err.message).toContain('.data.a (managed by "other-tool")');
  });

  it('should wait for the host: rolled out, dockerd answering /_ping', async () => {
    const pod = await waitForHost(kc, { namespace: NAMESPACE, deployment: 'docker-host' }, { timeoutMs: 150_000 });
    expect(pod).toMatch(/^docker-host-/);
    expect(await findReadyPod(kc, { namespace: NAMESPACE, selector: HOST_PODS })).toBe(pod);
  });

  it('should connect on 127.0.0.1: /_ping, many connections at once, and the docker CLI', async () => {
    connection = await connectToHost(kc, { namespace: NAMESPACE, selector: HOST_PODS });
    expect(connection.dockerHost).toBe(`tcp://127.0.0.1:${connection.port}`);
    expect(connection.seesLocalFiles).toBe(false);
    expect(await pingDocker(connection.port)).toBe(true);
    // docker compose opens many connections at once
    expect(await Promise.all(Array.from({ length: 16 }, () => pingDocker(connection!.port, { timeoutMs: 30_000 })))).toEqual(Array(16).fill(true));
    const version = await execFile('docker', ['-H', connection.dockerHost, 'version', '--format', '{{.Server.Version}}']);
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+/);
  });

  it('should keep the same connection working after the pod is deleted and replaced', async () => {
    const old = await findReadyPod(kc, { namespace: NAMESPACE, selector: HOST_PODS });
    await core.deleteNamespacedPod({ namespace: NAMESPACE, name: old });
    const deadline = Date.now() + 150_000;
    // Until it is gone, the old pod's dockerd may still answer during its grace period.
    while (await core.readNamespacedPod({ namespace: NAMESPACE, name: old }).then(() => true, () => false)) {
      if (Date.now() > deadline) throw new Error(`pod ${old} is still there`);
      await sleep(500);
    }
    let ok = false;
    while (!ok && Date.now() < deadline) {
      ok = await pingDocker(connection!.port, { timeoutMs: 5_000 }).catch(() => false);
      if (!ok) await sleep(1_000);
    }
    expect(ok, `no /_ping through the connection after the restart (last error: ${connection!.lastError})`).toBe(true);
    expect(await findReadyPod(kc, { namespace: NAMESPACE, selector: HOST_PODS })).not.toBe(old);
    const version = await execFile('docker', ['-H', connection!.dockerHost, 'version', '--format', '{{.Server.Version}}']);
    expect(version.exitCode, version.stderr).toBe(0);
  });

  it("should keep dockerd's port closed to other pods, while the host pod's IP is reachable", async () => {
    // Pod IPs are routed through the node's veth only: never send anything there without it.
    expect(existsSync(NODE_LINK), 'the node veth pk8s-h is gone').toBe(true);
    const hostPod = await core.readNamespacedPod({ namespace: NAMESPACE, name: await findReadyPod(kc, { namespace: NAMESPACE, selector: HOST_PODS }) });
    const ip = hostPod.status?.podIP;
    expect(ip).toMatch(/^10\.88\./);

    // Positive control: a listener on the host pod's own network (a nested container on the host network).
    const saved = `/tmp/${NAMESPACE}-busybox.tar`;
    expect((await execFile('docker', ['save', '-o', saved, 'preevy-test/busybox:latest'])).exitCode).toBe(0);
    const load = await execFile('docker', ['-H', connection!.dockerHost, 'load', '-i', saved]);
    await rm(saved, { force: true });
    expect(load.exitCode, load.stderr).toBe(0);
    const run = await execFile('docker', ['-H', connection!.dockerHost, 'run', '-d', '--network', 'host', 'preevy-test/busybox:latest', 'httpd', '-f', '-p', '8080']);
    expect(run.exitCode, run.stderr).toBe(0);

    await core.createNamespacedPod({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'prober' },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'prober', image: KUBE_DIND_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
        },
      },
    });
    const deadline = Date.now() + 60_000;
    while ((await core.readNamespacedPod({ namespace: NAMESPACE, name: 'prober' })).status?.phase !== 'Running') {
      if (Date.now() > deadline) throw new Error('the prober pod did not start');
      await sleep(500);
    }
    const prober = { namespace: NAMESPACE, pod: 'prober', container: 'prober' };
    const tcp = (port: number) => execInPod(kc, prober, ['timeout', '5', 'bash', '-c', `exec 3<>/dev/tcp/${ip}/${port}`]);
    expect((await tcp(8080)).exitCode, 'the positive control: the host pod is reachable from another pod').toBe(0);
    const docker = await tcp(2375);
    expect(docker.exitCode).not.toBe(0);
    expect(docker.stderr).toContain('Connection refused');
    const cli = await execInPod(kc, prober, ['docker', '-H', `tcp://${ip}:2375`, 'version'], { timeoutMs: 30_000 });
    expect(cli.exitCode).not.toBe(0);
    expect(cli.stderr).toContain(`Cannot connect to the Docker daemon at tcp://${ip}:2375`);
  });

  it('should list the host Deployment with its env id, profile, host id and annotations', async () => {
    const hosts = await listHostDeployments(kc, { namespace: NAMESPACE, labelSelector: labelSelector({ 'dev.preevy.profile': 'p-life' }) });
    expect(hosts).toHaveLength(1);
    expect(hosts[0]).toMatchObject({ name: 'docker-host', envId: ENV['dev.preevy.env-id'], profileId: 'p-life', hostId: HOST_ID });
    expect(hosts[0]?.annotations[KUBE_ANNOTATIONS.templateHash]).toBe('hash-1');
    expect(await listHostDeployments(kc, { namespace: NAMESPACE, labelSelector: 'dev.preevy.profile=another' })).toEqual([]);
  });

  it('should prune the objects a changed template no longer renders, and keep the rest', async () => {
    await applyObjects(kc, [configMap('stale', { b: '2' })], { namespace: NAMESPACE, labels: ENV, templateHash: 'hash-old', serverSideApply: true });
    const kinds = applied.map(({ apiVersion, kind }) => ({ apiVersion, kind }));
    const pruned = await pruneEnvironmentObjects(kc, { namespace: NAMESPACE, labelSelector: SELECTOR, kinds, keep: applied });
    expect(pruned).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'stale' }]);
    // Deleted in the foreground: gone once the garbage collector has seen it, a moment later.
    const kept = [...new Set(applied.filter((a) => a.kind === 'ConfigMap').map((a) => a.name))].sort();
    const left = async () => (await core.listNamespacedConfigMap({ namespace: NAMESPACE, labelSelector: SELECTOR })).items.map((c) => c.metadata?.name).sort();
    for (const deadline = Date.now() + 30_000; (await left()).length > kept.length && Date.now() < deadline; ) await sleep(200);
    expect(await left()).toEqual(kept);
    expect((await apps.listNamespacedDeployment({ namespace: NAMESPACE, labelSelector: SELECTOR })).items).toHaveLength(1);
  });

  it('should delete every object with the labels and wait until none, pods included, remains; again, nothing', async () => {
    await connection?.close();
    connection = undefined;
    const kinds = applied.map(({ apiVersion, kind }) => ({ apiVersion, kind }));
    const counts = await deleteEnvironmentObjects(kc, { namespace: NAMESPACE, labelSelector: SELECTOR, kinds, timeoutMs: 120_000 });
    expect(counts).toEqual({ total: 3, byKind: { Deployment: 1, ConfigMap: 2 } });
    const [deployments, configMaps, pods] = await Promise.all([
      apps.listNamespacedDeployment({ namespace: NAMESPACE, labelSelector: SELECTOR }),
      core.listNamespacedConfigMap({ namespace: NAMESPACE, labelSelector: SELECTOR }),
      core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: SELECTOR }),
    ]);
    expect([deployments.items.length, configMaps.items.length, pods.items.length]).toEqual([0, 0, 0]);
    expect(await deleteEnvironmentObjects(kc, { namespace: NAMESPACE, labelSelector: SELECTOR, kinds, timeoutMs: 30_000 })).toEqual({ total: 0, byKind: {} });
    expect(await listHostDeployments(kc, { namespace: NAMESPACE, labelSelector: SELECTOR })).toEqual([]);
  });

  it('should stop waitForHost at once when the signal aborts', async () => {
    const stuck = environmentLabels({ profileId: 'p-life', envId: `stuck-${suffix}` });
    await applyObjects(kc, [dindDeployment('stuck', `s-${suffix}`, 'docker.io/preevy-test/absent:none', 'Never')], {
      namespace: NAMESPACE,
      labels: stuck,
      templateHash: 'x',
      serverSideApply: true,
    });
    const ac = new AbortController();
    const started = Date.now();
    const waiting = waitForHost(kc, { namespace: NAMESPACE, deployment: 'stuck' }, { timeoutMs: 120_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 1_000);
    const err = await caught(waiting);
    expect(err).toMatchObject({ code: 'INTERRUPTED', kind: 'interrupted' });
    expect(Date.now() - started).toBeLessThan(2_500);
    // and on timeout it names what the pod waits for
    const timeout = await caught(waitForHost(kc, { namespace: NAMESPACE, deployment: 'stuck' }, { timeoutMs: 3_000 }));
    expect(timeout).toMatchObject({ code: 'KUBE_ROLLOUT_TIMEOUT' });
    expect(timeout.message).toContain('ErrImageNeverPull');
  });

  it('should say KUBE_NAMESPACE_MISSING for a namespace that does not exist, and how to create it', async () => {
    const missing = `preevy-missing-${suffix}`;
    const checked = await caught(ensureNamespace(kc, missing, { create: false }));
    expect(checked).toMatchObject({ code: 'KUBE_NAMESPACE_MISSING', kind: 'not-found' });
    const err = await caught(applyObjects(kc, OBJECTS, { namespace: missing, labels: ENV, templateHash: 'h', serverSideApply: true }));
    expect(err).toMatchObject({ code: 'KUBE_NAMESPACE_MISSING', kind: 'not-found' });
    expect(err.suggestions.join()).toContain('--kube-pod-create-namespace');
    const created = await caught(applyObjects(kc, OBJECTS, { namespace: missing, labels: ENV, templateHash: 'h', serverSideApply: false }));
    expect(created.code).toBe('KUBE_NAMESPACE_MISSING');
  });

  it('should name the missing permission for a service account whose Role lacks `create deployments`', async () => {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: NAMESPACE, body: { metadata: { name: 'limited' } } });
    await rbac.createNamespacedRole({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'limited' },
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'limited' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'limited' },
        subjects: [{ kind: 'ServiceAccount', name: 'limited', namespace: NAMESPACE }],
      },
    });
    const token = await core.createNamespacedServiceAccountToken({ namespace: NAMESPACE, name: 'limited', body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const limited = new KubeConfig();
    const cluster = kc.getCurrentCluster()!;
    limited.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'limited', token: token.status?.token }],
      contexts: [{ name: 'limited', cluster: cluster.name, user: 'limited' }],
      currentContext: 'limited',
    });
    const user = `system:serviceaccount:${NAMESPACE}:limited`;

    const created = await caught(applyObjects(limited, OBJECTS, { namespace: NAMESPACE, labels: ENV, templateHash: 'h', serverSideApply: false }));
    expect(created).toMatchObject({ code: 'KUBE_API_403', kind: 'invalid-input' });
    expect(created.message).toBe(`Kubernetes refused creating Deployment ${NAMESPACE}/docker-host: "${user}" may not \`create deployments\` in namespace "${NAMESPACE}"`);
    expect(created.suggestions.join('\n')).toContain(`kubectl auth can-i create deployments.apps -n ${NAMESPACE}`);

    const patched = await caught(applyObjects(limited, OBJECTS, { namespace: NAMESPACE, labels: ENV, templateHash: 'h', serverSideApply: true }));
    expect(patched.message).toContain('may not `patch deployments`');

    // a namespace-scoped user cannot read namespaces: the check steps aside
    expect(await ensureNamespace(limited, NAMESPACE, { create: false })).toBe('unknown');
  });
});
