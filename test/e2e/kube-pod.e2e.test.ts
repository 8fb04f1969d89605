import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { createKubePodDriver, KUBE_POD_OPTIONS, type KubePodOptions } from '@preevy/driver-kube-pod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, type ExecResult } from '../support/exec-file.js';
import { KUBE_DIND_IMAGE, KUBE_HOST_IP, KUBECONFIG_FILE, requireKubeCluster } from '../support/kube-cluster.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, offlineEnv } from '../support/preevy-e2e.js';
import { startTestTunnelServer, type TestTunnelServer } from '../support/test-tunnel-server.js';

interface UpJson {
  envId: string;
  urls: Array<{ service: string; port: number; url: string; httpStatus: number }>;
}

interface PurgeJson {
  removed: Array<{ envId: string; lastUpAt?: string }>;
  kept: string[];
}

const ENV_LABEL = 'dev.preevy.env-id';

// `preevy up --driver kube-pod` on the real test cluster: a dind Deployment per environment,
// reached through a port-forward, its agent publishing through a tunnel server that pods reach on
// the node's veth (test/infra/kube/README.md), visitors through a loopback proxy in front of it.
describe('preevy up --driver kube-pod (built binary, test cluster)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-kube-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const namespace = `preevy-e2e-${randomBytes(3).toString('hex')}`;
  const envA = `kube-a-${randomBytes(3).toString('hex')}`;
  const envB = `kube-b-${randomBytes(3).toString('hex')}`;
  const env: NodeJS.ProcessEnv = { ...offlineEnv(home), PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest' };
  let kc: KubeConfig;
  let tunnel: TestTunnelServer | undefined;
  let sshPort = 0;
  const preevy = (...args: string[]): Promise<ExecResult> => execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env, timeoutMs: 300_000 });
  const upJson = async (...args: string[]): Promise<UpJson> => {
    const res = await preevy('up', '--json', '--build-local', ...args);
    expect(res.exitCode, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as UpJson;
  };
  const urlOf = (out: UpJson, service: string): string => out.urls.find((u) => u.service === service)!.url;
  /** Every object in the namespace carrying the env's label, of the kinds the templates use. */
  const labelled = async (envId: string): Promise<string[]> => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const names: string[] = [];
    for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['v1', 'Pod'], ['v1', 'ConfigMap'], ['networking.k8s.io/v1', 'NetworkPolicy'], ['v1', 'PersistentVolumeClaim']]) {
      const list = await objects.list(apiVersion!, kind!, namespace, undefined, undefined, undefined, undefined, `${ENV_LABEL}=${envId}`);
      names.push(...list.items.map((o) => `${kind}/${o.metadata?.name}`));
    }
    return names;
  };
  /** The docker CLI against the environment's dind, through the driver's own forward. */
  const dockerInHost = async (envId: string, args: string[]): Promise<ExecResult> => {
    const options = Object.fromEntries(KUBE_POD_OPTIONS.flatMap((d) => (d.default === undefined ? [] : [[d.name, d.default]]))) as KubePodOptions;
    const driver = createKubePodDriver({ ...options, namespace, kubeconfig: KUBECONFIG_FILE });
    const host = await driver.findHost({ profileId: 'kube', envId });
    if (!host) throw new Error(`no kube-pod host for ${envId}`);
    await using conn = await driver.connect(host);
    // Awaited here: the forward must outlive the command.
    return await execFile('docker', ['-H', conn.dockerHost!, ...args]);
  };

  /** A kubeconfig for the test cluster that authenticates with a service account's token. */
  const writeKubeconfig = (file: string, token: string): void => {
    const cluster = kc.getCurrentCluster()!;
    writeFileSync(file, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
      clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } }],
      users: [{ name: 'sa', user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'c', user: 'sa', namespace } }],
    }), { mode: 0o600 });
  };

  beforeAll(async () => {
    // Also checks the node's veth exists: without it KUBE_HOST_IP is not this machine's.
    kc = await requireKubeCluster();
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    tunnel = await startTestTunnelServer({ listenHost: KUBE_HOST_IP, home, dir: root, name: 'kube' });
    sshPort = tunnel.sshPort;
    const created = await preevy('profile', 'create', 'kube', '--driver', 'kube-pod', '--kube-pod-namespace', namespace, '--kube-pod-kubeconfig', KUBECONFIG_FILE,
      '--kube-pod-dind-image', KUBE_DIND_IMAGE, '--kube-pod-create-namespace', '--tunnel-url', tunnel.tunnelUrl, '--use');
    expect(created.exitCode, created.stderr).toBe(0);
    const [web, api] = [await freePort(), await freePort()];
    Object.assign(env, { WEB_PORT: String(web), API_PORT: String(api) });
  }, 60_000);

  afterAll(async () => {
    for (const id of [envA, envB]) await preevy('down', '--id', id);
    await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }).catch(() => undefined);
    await tunnel?.stop();
    rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it('should run the project in a dind pod and publish every service through the tunnel', async () => {
    const out = await upJson('--id', envA);
    expect(out.urls.map((u) => [u.service, u.httpStatus])).toEqual([['api', 200], ['web', 200]]);
    expect((await get(urlOf(out, 'web'))).body).toContain('hello from preevy');
    // The services ran in the pod's engine, not on this machine's.
    const ps = await dockerInHost(envA, ['ps', '--format', '{{.Label "com.docker.compose.service"}}']);
    expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual(['api', 'preevy_agent', 'web']);
    expect((await execFile('docker', ['ps', '-q', '--filter', `label=${ENV_LABEL}=${envA}`])).stdout).toBe('');
    const deployments = await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace, labelSelector: `${ENV_LABEL}=${envA}` });
    expect(deployments.items).toHaveLength(1);
    expect(deployments.items[0]!.metadata?.labels?.['app.kubernetes.io/component']).toBe('docker-host');
  });

  it("should keep the dind's Docker API from other pods in the namespace (dockerd listens on the pod's loopback)", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const [dind] = (await core.listNamespacedPod({ namespace, labelSelector: `${ENV_LABEL}=${envA}` })).items;
    const podIp = dind?.status?.podIP;
    expect(podIp, 'the docker host pod has an address').toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // The tunnel server's SSH port is the control: the probe's own connections do work.
    const targets = [`${podIp}:2375`, `${KUBE_HOST_IP}:${sshPort}`];
    const name = `probe-${randomBytes(3).toString('hex')}`;
    const script = 'for t in "$@"; do if timeout 5 bash -c "exec 3<>/dev/tcp/${t%:*}/${t#*:}"; then echo "$t open"; else echo "$t closed"; fi; done';
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name },
        spec: { restartPolicy: 'Never', containers: [{ name: 'probe', image: KUBE_DIND_IMAGE, imagePullPolicy: 'Never', command: ['bash', '-c', script, 'probe', ...targets] }] },
      },
    });
    const deadline = Date.now() + 90_000;
    let phase: string | undefined;
    while (!['Succeeded', 'Failed'].includes((phase = (await core.readNamespacedPod({ namespace, name })).status?.phase) ?? '')) {
      if (Date.now() > deadline) throw new Error(`the probe pod is still ${phase}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const log = await core.readNamespacedPodLog({ namespace, name });
    await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
    expect(log.split('\n').filter((l) => / (open|closed)$/.test(l))).toEqual([`${podIp}:2375 closed`, `${KUBE_HOST_IP}:${sshPort} open`]);
    // Refused by the pod's kernel (nothing listens there), not merely filtered on the way.
    expect(log).toContain(`/dev/tcp/${podIp}/2375: Connection refused`);
  });

  it('should serve an edited bind-mounted file under the same URL after the next up', async () => {
    writeFileSync(join(project, 'site', 'index.html'), `${readFileSync(join(project, 'site', 'index.html'), 'utf8')}<p>edited in kube</p>\n`);
    const out = await upJson('--id', envA);
    expect((await get(urlOf(out, 'web'))).body).toContain('edited in kube');
  });

  it('should recover when the pod is deleted by hand', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `${ENV_LABEL}=${envA}` });
    for (const p of pods.items) await core.deleteNamespacedPod({ namespace, name: p.metadata!.name!, gracePeriodSeconds: 0 });
    const out = await upJson('--id', envA);
    expect((await get(urlOf(out, 'web'))).body).toContain('edited in kube');
  });

  it('should apply a custom template from x-preevy (relative to the compose file) with its extra object, labelled, beside the first environment', async () => {
    const custom = readFileSync(join(REPO_ROOT, 'templates/kube-pod/default.yaml.njk'), 'utf8');
    writeFileSync(join(project, 'host.yaml.njk'), `${custom}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ id }}-extra\n  namespace: {{ namespace }}\ndata:\n  hello: kube\n`);
    const compose = readFileSync(join(project, 'compose.yaml'), 'utf8');
    writeFileSync(join(project, 'compose.yaml'), compose.replace('x-preevy:\n', 'x-preevy:\n  drivers:\n    kube-pod:\n      template: host.yaml.njk\n'));
    try {
      const out = await upJson('--id', envB);
      expect((await get(urlOf(out, 'web'))).body).toContain('hello from preevy');
      expect((await labelled(envB)).filter((n) => n.startsWith('ConfigMap/'))).toHaveLength(1);
      // The first environment is untouched.
      expect((await labelled(envA)).filter((n) => n.startsWith('ConfigMap/'))).toHaveLength(0);
      // Its next up applies the changed template...
      expect((await get(urlOf(await upJson('--id', envA), 'web'))).body).toContain('edited in kube');
      expect((await labelled(envA)).filter((n) => n.startsWith('ConfigMap/'))).toHaveLength(1);
      // ...and a template given by flag wins over x-preevy: the object it no longer renders is pruned.
      const byFlag = await upJson('--id', envA, '--kube-pod-template', join(REPO_ROOT, 'templates/kube-pod/default.yaml.njk'));
      expect((await get(urlOf(byFlag, 'web'))).body).toContain('edited in kube');
      expect((await labelled(envA)).filter((n) => n.startsWith('ConfigMap/'))).toEqual([]);
    } finally {
      writeFileSync(join(project, 'compose.yaml'), compose);
    }
  });

  it('should list the environments from the cluster on a machine without their records', async () => {
    const file = join(root, 'profile.json');
    const exported = await preevy('profile', 'export', '--profile', 'kube', '--output', file);
    expect(exported.exitCode, exported.stderr).toBe(0);
    const fresh = { ...env, PREEVY_HOME: join(root, 'home2'), PREEVY_PROFILE_FILE: file };
    const ls = await execFile(process.execPath, [CLI_BIN, 'ls', '--json'], { cwd: project, env: fresh });
    expect(ls.exitCode, ls.stderr).toBe(0);
    const listed = (JSON.parse(ls.stdout) as Array<{ envId: string; source: string; lastUpAt?: string }>).filter((e) => [envA, envB].includes(e.envId));
    expect(listed.map((e) => [e.envId, e.source]).sort()).toEqual([[envA, 'driver'], [envB, 'driver']].sort());
    // The age comes from the cluster: each up stamped its Deployment.
    for (const e of listed) expect(Date.now() - Date.parse(e.lastUpAt ?? ''), e.envId).toBeLessThan(15 * 60_000);
    // urls from there: the agent on the host the driver finds answers with the same URLs.
    const urls = await execFile(process.execPath, [CLI_BIN, 'urls', '--id', envB, '--json'], { cwd: project, env: fresh, timeoutMs: 60_000 });
    expect(urls.exitCode, urls.stderr).toBe(0);
    const web = (JSON.parse(urls.stdout) as Array<{ service: string; url: string }>).find((u) => u.service === 'web');
    expect((await get(web!.url)).body).toContain('hello from preevy');
    // purge from there: envB's Deployment says its last up was 10 days ago; it goes (found by its labels), envA stays.
    const [deployment] = (await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace, labelSelector: `${ENV_LABEL}=${envB}` })).items;
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await kc.makeApiClient(AppsV1Api).patchNamespacedDeployment(
      { name: deployment!.metadata!.name!, namespace, body: { metadata: { annotations: { 'dev.preevy.last-up-at': tenDaysAgo } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const purge = (...args: string[]) => execFile(process.execPath, [CLI_BIN, 'purge', '--older-than', '7d', '--json', ...args], { cwd: project, env: fresh, timeoutMs: 180_000 });
    const dry = await purge('--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as PurgeJson;
    expect(planned.removed.map((e) => [e.envId, e.lastUpAt])).toEqual([[envB, tenDaysAgo]]);
    expect(planned.kept).toContain(envA);
    expect(await labelled(envB)).not.toEqual([]);
    const purged = await purge();
    expect(purged.exitCode, purged.stderr).toBe(0);
    expect((JSON.parse(purged.stdout) as PurgeJson).removed.map((e) => e.envId)).toEqual([envB]);
    expect(await labelled(envB)).toEqual([]);
    expect(await labelled(envA)).not.toEqual([]);
  });

  it('should remove every object of the environment on down, and say nothing to remove the second time', async () => {
    const down = await preevy('down', '--id', envA);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await labelled(envA)).toEqual([]);
    const again = await preevy('down', '--id', envA);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to remove');
  });

  it("should run up and down as a service account holding only the README's CI Role", async () => {
    const envD = `kube-d-${randomBytes(3).toString('hex')}`;
    const core = kc.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'preevy-ci' } } });
    // Exactly the Role the README documents, with only the namespace filled in.
    const role = parse(readFileSync(join(REPO_ROOT, 'templates/kube-pod/ci-role.yaml'), 'utf8').replaceAll('NAMESPACE', namespace)) as KubernetesObject;
    await objects.create(role);
    await objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'preevy-ci', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata!.name! },
      subjects: [{ kind: 'ServiceAccount', name: 'preevy-ci', namespace }],
    } as KubernetesObject);
    const token = await core.createNamespacedServiceAccountToken({ namespace, name: 'preevy-ci', body: { spec: { audiences: [], expirationSeconds: 900 } } });
    const file = join(root, 'ci-kubeconfig');
    writeKubeconfig(file, token.status!.token);
    // The service account may not read or create namespaces: the namespace exists already.
    const asCi = ['--kube-pod-kubeconfig', file, '--no-kube-pod-create-namespace'];
    const out = await upJson('--id', envD, ...asCi);
    expect((await get(urlOf(out, 'web'))).body).toContain('hello from preevy');
    // A cluster that does not answer: down refuses, keeping the record; --force forgets it.
    const dead = join(root, 'dead-kubeconfig');
    writeFileSync(dead, readFileSync(file, 'utf8').replace(kc.getCurrentCluster()!.server, 'https://127.0.0.1:1'), { mode: 0o600 });
    const refused = await preevy('down', '--id', envD, '--kube-pod-kubeconfig', dead);
    expect(refused.stderr).toContain('Code: KUBE_API_UNREACHABLE');
    const forced = await preevy('down', '--id', envD, '--force', '--json', '--kube-pod-kubeconfig', dead);
    expect(forced.exitCode, forced.stderr).toBe(0);
    const result = JSON.parse(forced.stdout) as { envId: string; forced?: string };
    expect(result.envId).toBe(envD);
    expect(result.forced).toContain('did not answer');
    // The record is gone; its objects are still in the cluster, so ls sees it there, and down finds them by their labels.
    const listed = JSON.parse((await preevy('ls', '--json', ...asCi)).stdout) as Array<{ envId: string; source: string }>;
    expect(listed.find((e) => e.envId === envD)?.source).toBe('driver');
    expect(await labelled(envD)).not.toEqual([]);
    const down = await preevy('down', '--id', envD, ...asCi);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await labelled(envD)).toEqual([]);
  });

  describe('bad input: a clear error, and nothing applied', () => {
    const envC = `kube-c-${randomBytes(3).toString('hex')}`;
    const expectRefused = async (res: ExecResult, code: string): Promise<void> => {
      expect(res.exitCode, res.stdout).not.toBe(0);
      expect(res.stderr).toContain(`Code: ${code}`);
      expect(res.stderr).toMatch(/Try this:\n {4}- \S/);
      expect(await labelled(envC)).toEqual([]);
    };

    it('should refuse the local (loopback) tunnel server, which no pod reaches', async () => {
      const created = await preevy('profile', 'create', 'kube-local', '--driver', 'kube-pod', '--kube-pod-namespace', namespace, '--kube-pod-kubeconfig', KUBECONFIG_FILE);
      expect(created.exitCode, created.stderr).toBe(0);
      await expectRefused(await preevy('up', '--id', envC, '--profile', 'kube-local'), 'TUNNEL_UNREACHABLE_FROM_HOST');
    });

    it('should refuse a template without a docker-host Deployment, naming the file', async () => {
      const bad = join(root, 'bad.yaml.njk');
      writeFileSync(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ id }}\n');
      const res = await preevy('up', '--id', envC, '--kube-pod-template', bad);
      await expectRefused(res, 'KUBE_TEMPLATE_INVALID');
      expect(res.stderr).toContain(bad);
    });

    it('should refuse a service account without the Role, naming the verb and resource it lacks', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'preevy-none' } } });
      const token = await core.createNamespacedServiceAccountToken({ namespace, name: 'preevy-none', body: { spec: { audiences: [], expirationSeconds: 900 } } });
      const file = join(root, 'none-kubeconfig');
      writeKubeconfig(file, token.status!.token);
      const res = await preevy('up', '--id', envC, '--kube-pod-kubeconfig', file, '--no-kube-pod-create-namespace');
      await expectRefused(res, 'KUBE_API_403');
      expect(res.stderr).toMatch(/(list|create|get|patch) deployments/);
    });

    it('should refuse a missing namespace unless asked to create it', async () => {
      await expectRefused(await preevy('up', '--id', envC, '--kube-pod-namespace', `${namespace}-missing`, '--no-kube-pod-create-namespace'), 'KUBE_NAMESPACE_MISSING');
    });
  });
});
