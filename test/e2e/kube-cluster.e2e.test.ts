import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { execInPod, forwardPort, waitForDeployment } from '@preevy/driver-kube-pod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { KUBE_DIND_IMAGE, requireKubeCluster } from '../support/kube-cluster.js';

// The smoke test of the offline test cluster (test/infra/kube), through the same client and
// helpers the kube-pod driver uses: apply a privileged dind Deployment, exec, port-forward, delete.

const NAMESPACE = `preevy-smoke-${randomBytes(3).toString('hex')}`;
const LABELS = { 'app.kubernetes.io/managed-by': 'preevy-tests', 'preevy-test/smoke': 'dind' };

const dindDeployment = (name: string, image = KUBE_DIND_IMAGE, imagePullPolicy = 'IfNotPresent'): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NAMESPACE, labels: LABELS },
  spec: {
    replicas: 1,
    selector: { matchLabels: { ...LABELS, 'preevy-test/name': name } },
    template: {
      metadata: { labels: { ...LABELS, 'preevy-test/name': name } },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: 'dind',
            image,
            imagePullPolicy,
            securityContext: { privileged: true },
            ports: [{ containerPort: 2375 }],
            readinessProbe: { exec: { command: ['docker', 'version'] }, periodSeconds: 1, failureThreshold: 300 },
            volumeMounts: [{ name: 'docker', mountPath: '/var/lib/docker' }],
          },
        ],
        volumes: [{ name: 'docker', emptyDir: {} }],
      },
    },
  },
});

/** `kubectl apply --server-side` through the client. */
const apply = (kc: KubeConfig, spec: V1Deployment) =>
  KubernetesObjectApi.makeApiClient(kc).patch(spec, undefined, undefined, 'preevy-tests', true, PatchStrategy.ServerSideApply);

/** True once a read answers 404. */
const gone = (read: Promise<unknown>): Promise<boolean> =>
  read.then(
    () => false,
    (err: unknown) => {
      if ((err as { code?: unknown }).code === 404) return true;
      throw err;
    },
  );

describe('test Kubernetes cluster, through @kubernetes/client-node', () => {
  let kc: KubeConfig;
  let pod: string;

  beforeAll(async () => {
    kc = await requireKubeCluster();
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE, labels: LABELS } } });
  });

  afterAll(async () => {
    await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
  });

  it('should run a privileged dind Deployment with an emptyDir at /var/lib/docker until it is Available', async () => {
    await apply(kc, dindDeployment('dind'));
    const ready = await waitForDeployment(kc, { namespace: NAMESPACE, name: 'dind' }, { timeoutMs: 180_000 });
    pod = ready.metadata!.name!;
    expect(ready.spec?.containers[0]?.securityContext?.privileged).toBe(true);
    const deployment = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: NAMESPACE, name: 'dind' });
    expect(deployment.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
  });

  it('should exec `docker info` in the pod and find the overlay2 storage driver', async () => {
    const info = await execInPod(kc, { namespace: NAMESPACE, pod, container: 'dind' }, ['docker', 'info', '--format', '{{.Driver}}']);
    expect(info).toMatchObject({ exitCode: 0, stdout: 'overlay2\n' });
  });

  it('should pass stdin to exec and end it, so the command finishes', async () => {
    const input = randomBytes(256 * 1024);
    const res = await execInPod(kc, { namespace: NAMESPACE, pod, container: 'dind' }, ['sha256sum'], { stdin: Readable.from([input]), timeoutMs: 30_000 });
    expect(res.stdout.slice(0, 64)).toBe(createHash('sha256').update(input).digest('hex'));
  });

  it('should report the exit code of a failing command, and a missing command as KUBE_EXEC_FAILED', async () => {
    const target = { namespace: NAMESPACE, pod, container: 'dind' };
    expect(await execInPod(kc, target, ['sh', '-c', 'echo oops >&2; exit 7'])).toMatchObject({ exitCode: 7, stderr: 'oops\n' });
    const missing = execInPod(kc, target, ['no-such-command']);
    await expect(missing).rejects.toMatchObject({ code: 'KUBE_EXEC_FAILED' });
    await expect(missing).rejects.toThrow('no-such-command');
  });

  it('should say not-found for exec and port-forward to a pod that does not exist', async () => {
    await expect(execInPod(kc, { namespace: NAMESPACE, pod: 'no-such-pod', container: 'dind' }, ['true'])).rejects.toMatchObject({ code: 'KUBE_API_404', kind: 'not-found' });
    await using forward = await forwardPort(kc, { namespace: NAMESPACE, pod: 'no-such-pod', port: 2375 });
    await expect(fetch(`http://127.0.0.1:${forward.port}/_ping`)).rejects.toThrow();
    expect(forward.lastError).toBe('Unexpected server response: 404');
  });

  it('should port-forward pod port 2375 to 127.0.0.1: /_ping answers OK and the docker CLI runs a nested container', async () => {
    await using forward = await forwardPort(kc, { namespace: NAMESPACE, pod, port: 2375 });
    expect(forward.host).toBe('127.0.0.1');
    const ping = await fetch(`http://127.0.0.1:${forward.port}/_ping`).catch((err: Error) => {
      throw new Error(`GET /_ping through the port-forward failed (API server said: ${forward.lastError})`, { cause: err });
    });
    expect(ping.status).toBe(200);
    expect(await ping.text()).toBe('OK');

    // The docker CLI through the forward, as the kube-pod driver will use it: load a local image
    // (a large upload) into the pod's engine, then run it there.
    const dockerHost = ['-H', `tcp://127.0.0.1:${forward.port}`];
    const saved = `/tmp/${NAMESPACE}-busybox.tar`;
    expect((await execFile('docker', ['save', '-o', saved, 'preevy-test/busybox:latest'])).exitCode).toBe(0);
    const load = await execFile('docker', [...dockerHost, 'load', '-i', saved]);
    await execFile('rm', ['-f', saved]);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(load.stdout).toContain('preevy-test/busybox:latest');
    const run = await execFile('docker', [...dockerHost, 'run', '--rm', '--network', 'none', 'preevy-test/busybox:latest', 'echo', 'nested-ok']);
    expect(run, run.stderr).toMatchObject({ exitCode: 0, stdout: 'nested-ok\n' });
  });

  it('should drop a forwarded connection to a pod port nothing listens on, and say why', async () => {
    await using forward = await forwardPort(kc, { namespace: NAMESPACE, pod, port: 2999 });
    await expect(fetch(`http://127.0.0.1:${forward.port}/`)).rejects.toThrow();
    expect(forward.lastError).toMatch(/2999/);
    // the listener survives a failed connection
    await expect(fetch(`http://127.0.0.1:${forward.port}/`)).rejects.toThrow();
  });

  it('should delete the Deployment and see it and its pods gone', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    await apps.deleteNamespacedDeployment({ namespace: NAMESPACE, name: 'dind', propagationPolicy: 'Foreground' });
    const deadline = Date.now() + 90_000;
    let deploymentGone = false;
    let remaining = -1;
    while (Date.now() < deadline) {
      deploymentGone = await gone(apps.readNamespacedDeployment({ namespace: NAMESPACE, name: 'dind' }));
      remaining = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'preevy-test/name=dind' })).items.length;
      if (deploymentGone && remaining === 0) break;
      await sleep(500);
    }
    expect(remaining).toBe(0);
    expect(deploymentGone).toBe(true);
  });

  it('should name what the pods wait for when a Deployment cannot become Available', async () => {
    await apply(kc, dindDeployment('absent', 'docker.io/preevy-test/absent:none', 'Never'));
    const waiting = waitForDeployment(kc, { namespace: NAMESPACE, name: 'absent' }, { timeoutMs: 15_000 });
    await expect(waiting).rejects.toMatchObject({ code: 'KUBE_ROLLOUT_TIMEOUT', kind: 'unavailable' });
    await expect(waiting).rejects.toThrow('ErrImageNeverPull');
  });
});
