import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PreevyError } from '@preevy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubePodOptions } from '../options.js';
import type { KubeObject } from './kube-object.js';
import { renderHostTemplate } from './render-template.js';
import { shippedTemplate } from './shipped-templates.js';

const DEFAULT_TEMPLATE = shippedTemplate('default.yaml.njk');
const ROOTLESS_TEMPLATE = shippedTemplate('rootless-sysbox.yaml.njk');
import type { HostTemplateContext } from './template-variables.js';
import { validateHostObjects } from './validate-objects.js';

const OPTIONS: KubePodOptions = {
  namespace: 'preview',
  'server-side-apply': true,
  'dind-image': 'docker:27-dind',
  'create-namespace': false,
  cpu: '250m',
  memory: '512Mi',
  'ready-timeout': 300,
};
const LABELS = { 'dev.preevy.managed-by': 'preevy', 'dev.preevy.env-id': 'my-env' };

const contextWith = (options: Partial<KubePodOptions> = {}, labels: Record<string, string> = LABELS): HostTemplateContext => ({
  namespace: 'preview',
  id: 'my-env-abc123',
  labels,
  options: { ...OPTIONS, ...options },
});

type Container = { name: string; image: string; args: string[]; env?: { name: string; value: string }[]; securityContext?: { privileged?: boolean }; [k: string]: unknown };
type PodSpec = { containers: Container[]; volumes: Record<string, unknown>[]; [k: string]: unknown };
const podSpecOf = (d: KubeObject) => (d.spec as { template: { spec: PodSpec } }).template.spec;
const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

/** Renders and validates, as the driver will. */
const renderValid = async (templatePath: string | undefined, context = contextWith()) => {
  const rendered = await renderHostTemplate({ templatePath, context });
  return { rendered, ...validateHostObjects(rendered.objects, { namespace: context.namespace, templatePath: rendered.templatePath }) };
};

const rejection = async (promise: Promise<unknown>): Promise<PreevyError> => {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PreevyError);
  return err as PreevyError;
};

describe('renderHostTemplate, the default template: API access', () => {
  it('should give the pod no token and make no RBAC objects by default', async () => {
    const { rendered, deployment } = await renderValid(undefined);
    expect(rendered.objects.map((o) => o.kind)).toEqual(['Deployment', 'NetworkPolicy']);
    expect(podSpecOf(deployment)).toMatchObject({ automountServiceAccountToken: false });
    expect(podSpecOf(deployment).serviceAccountName).toBeUndefined();
  });

  it('should let the pod patch only its own deployments/scale when it scales to zero once idle', async () => {
    const { rendered, deployment } = await renderValid(undefined, { ...contextWith({ 'storage-size': '1Gi' }), idleScaleDown: true });
    expect(rendered.objects.map((o) => o.kind)).toEqual(['PersistentVolumeClaim', 'ServiceAccount', 'Role', 'RoleBinding', 'Deployment', 'NetworkPolicy']);
    const role = byKind(rendered.objects, 'Role')[0]!;
    expect(role.rules).toEqual([{ apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['my-env-abc123'], verbs: ['get', 'patch'] }]);
    const binding = byKind(rendered.objects, 'RoleBinding')[0]!;
    expect(binding).toMatchObject({ roleRef: { kind: 'Role', name: 'my-env-abc123-idle-scale' }, subjects: [{ kind: 'ServiceAccount', name: 'my-env-abc123', namespace: 'preview' }] });
    expect(podSpecOf(deployment)).toMatchObject({ serviceAccountName: 'my-env-abc123', automountServiceAccountToken: true });
  });

  it('should bind --kube-pod-cluster-role in the namespace to the given service account, making none of its own', async () => {
    const { rendered, deployment } = await renderValid(undefined, contextWith({ 'cluster-role': 'view', 'service-account': 'builder' }));
    expect(rendered.objects.map((o) => o.kind)).toEqual(['RoleBinding', 'Deployment', 'NetworkPolicy']);
    expect(byKind(rendered.objects, 'RoleBinding')[0]).toMatchObject({
      metadata: { name: 'my-env-abc123-cluster-role', namespace: 'preview' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'builder', namespace: 'preview' }],
    });
    expect(podSpecOf(deployment)).toMatchObject({ serviceAccountName: 'builder', automountServiceAccountToken: true });
  });
});

describe('renderHostTemplate, the default template', () => {
  it('should render a docker-host Deployment and a NetworkPolicy in the namespace, labelled on every object', async () => {
    const { rendered, deployment, dockerContainer } = await renderValid(undefined);
    expect(rendered.templatePath).toBe(DEFAULT_TEMPLATE);
    expect(rendered.objects.map((o) => o.kind)).toEqual(['Deployment', 'NetworkPolicy']);
    for (const o of rendered.objects) {
      expect(o.metadata.namespace).toBe('preview');
      expect(o.metadata.labels).toMatchObject(LABELS);
    }
    expect(deployment.metadata).toMatchObject({ name: 'my-env-abc123', labels: { 'app.kubernetes.io/component': 'docker-host' } });
    // replicas left to its default (1), so server-side apply never undoes an idle scale to zero
    expect((deployment.spec as { replicas?: number }).replicas).toBeUndefined();
    expect(deployment.spec).toMatchObject({ strategy: { type: 'Recreate' }, selector: { matchLabels: { 'dev.preevy.host-id': 'my-env-abc123' } } });
    // The selector is immutable: only the host id, never the labels that may change.
    expect(Object.keys((deployment.spec as { selector: { matchLabels: object } }).selector.matchLabels)).toEqual(['dev.preevy.host-id']);
    expect((deployment.spec as { template: { metadata: unknown } }).template.metadata).toMatchObject({
      labels: { ...LABELS, 'app.kubernetes.io/component': 'docker-host', 'dev.preevy.host-id': 'my-env-abc123' },
    });
    expect(dockerContainer).toBe('dockerd');
  });

  it('should run a privileged dockerd first, on 127.0.0.1:2375 and the socket only, without TLS, with a probe that asks it', async () => {
    const { deployment } = await renderValid(undefined);
    const spec = podSpecOf(deployment);
    const [dockerd] = spec.containers;
    expect(dockerd).toMatchObject({ name: 'dockerd', image: 'docker:27-dind', securityContext: { privileged: true } });
    expect(dockerd!.command).toBeUndefined(); // the image's entrypoint must still run
    expect(dockerd!.args[0]).toBe('dockerd');
    const hosts = dockerd!.args.filter((a) => a.startsWith('--host=') || a.startsWith('-H'));
    expect(hosts.sort()).toEqual(['--host=tcp://127.0.0.1:2375', '--host=unix:///var/run/docker.sock']);
    expect(dockerd!.args).toContain('--tls=false');
    expect(dockerd!.env).toContainEqual({ name: 'DOCKER_TLS_CERTDIR', value: '' });
    expect(dockerd!.readinessProbe).toMatchObject({ exec: { command: ['docker', '--host=tcp://127.0.0.1:2375', 'version'] } });
    expect((dockerd!.readinessProbe as { periodSeconds: number }).periodSeconds).toBeLessThanOrEqual(5);
    expect(dockerd!.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' } });
    expect(spec).toMatchObject({ automountServiceAccountToken: false, terminationGracePeriodSeconds: 10 });
    expect(spec.serviceAccountName).toBeUndefined();
  });

  it('should keep /var/lib/docker in an emptyDir without storageSize', async () => {
    const { deployment, objects } = await renderValid(undefined);
    expect(byKind(objects, 'PersistentVolumeClaim')).toEqual([]);
    const spec = podSpecOf(deployment);
    expect(spec.containers[0]!.volumeMounts).toEqual([{ name: 'docker-data', mountPath: '/var/lib/docker' }]);
    expect(spec.volumes).toEqual([{ name: 'docker-data', emptyDir: {} }]);
  });

  it('should claim a labelled PersistentVolumeClaim with storageSize, naming the class only when given', async () => {
    const { objects, deployment } = await renderValid(undefined, contextWith({ 'storage-size': '20Gi', 'storage-class': 'fast' }));
    expect(objects.map((o) => o.kind)).toEqual(['PersistentVolumeClaim', 'Deployment', 'NetworkPolicy']);
    const [claim] = objects;
    expect(claim).toMatchObject({
      metadata: { name: 'my-env-abc123-docker', namespace: 'preview', labels: LABELS },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } } },
    });
    expect(podSpecOf(deployment).volumes).toEqual([{ name: 'docker-data', persistentVolumeClaim: { claimName: 'my-env-abc123-docker' } }]);

    const { objects: noClass } = await renderValid(undefined, contextWith({ 'storage-size': '20Gi' }));
    expect(noClass[0]!.spec).not.toHaveProperty('storageClassName');
  });

  it('should set the service account only when given', async () => {
    const { deployment } = await renderValid(undefined, contextWith({ 'service-account': 'builder' }));
    expect(podSpecOf(deployment).serviceAccountName).toBe('builder');
  });

  it('should deny all ingress to the host pod with a NetworkPolicy', async () => {
    const { objects } = await renderValid(undefined);
    const [policy] = byKind(objects, 'NetworkPolicy');
    expect(policy!.spec).toEqual({ podSelector: { matchLabels: { 'dev.preevy.host-id': 'my-env-abc123' } }, policyTypes: ['Ingress'] });
  });

  it('should quote what it inserts, so a number-like value stays a string', async () => {
    const { deployment } = await renderValid(undefined, contextWith({ cpu: '1', memory: '1024' }, { 'dev.preevy.env-id': '123', 'x.io/flag': 'true' }));
    expect(podSpecOf(deployment).containers[0]!.resources).toEqual({ requests: { cpu: '1', memory: '1024' } });
    expect(deployment.metadata.labels).toMatchObject({ 'dev.preevy.env-id': '123', 'x.io/flag': 'true' });
  });
});

describe('renderHostTemplate, the rootless (Sysbox) template', () => {
  it('should render a valid host without privileged, on the sysbox-runc runtime class', async () => {
    const { deployment, dockerContainer, objects } = await renderValid(ROOTLESS_TEMPLATE);
    const spec = podSpecOf(deployment);
    expect(spec.runtimeClassName).toBe('sysbox-runc');
    expect(spec.containers[0]!.securityContext?.privileged).toBeUndefined();
    expect(JSON.stringify(objects)).not.toContain('privileged');
    expect(dockerContainer).toBe('dockerd');
    expect(spec.containers[0]!.args).toContain('--host=tcp://127.0.0.1:2375');
    expect(objects.map((o) => o.kind)).toEqual(['Deployment', 'NetworkPolicy']);
  });

  it('should claim storage when storageSize is set', async () => {
    const { deployment, objects } = await renderValid(ROOTLESS_TEMPLATE, contextWith({ 'storage-size': '10Gi' }));
    expect(objects[0]).toMatchObject({ kind: 'PersistentVolumeClaim', spec: { resources: { requests: { storage: '10Gi' } } } });
    expect(podSpecOf(deployment).volumes).toEqual([{ name: 'docker-data', persistentVolumeClaim: { claimName: 'my-env-abc123-docker' } }]);
  });
});

describe('renderHostTemplate, custom templates and errors', () => {
  let dir: string;
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-kube-template-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const HOST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ id }}
  labels:
    {{ labels | yamlEntries(4) }}
    app.kubernetes.io/component: docker-host
spec:
  template:
    spec:
      containers:
        - name: docker
          image: {{ dindImage | dump }}
`;

  it('should keep an extra object of a custom template, in the namespace, and drop empty documents', async () => {
    const path = await write('extra.yaml.njk', `${HOST}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ id }}-conf\ndata:\n  image: {{ options["dind-image"] | dump }}\n---\n`);
    const { objects, dockerContainer, rendered } = await renderValid(path);
    expect(rendered.objects).toHaveLength(2);
    expect(rendered.templatePath).toBe(path);
    expect(dockerContainer).toBe('docker');
    expect(objects[1]).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'my-env-abc123-conf', namespace: 'preview' }, data: { image: 'docker:27-dind' } });
  });

  it('should name the file, the line and the variable when a variable is undefined', async () => {
    const path = await write('undefined.yaml.njk', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ hostName }}\n');
    const err = await rejection(renderHostTemplate({ templatePath: path, context: contextWith() }));
    expect(err).toMatchObject({ code: 'KUBE_TEMPLATE_RENDER', kind: 'invalid-input' });
    expect(err.message).toContain(`${path} line 4: hostName is not a template variable`);
    expect(err.message).toContain('name: {{ hostName }}');
    expect(err.suggestions[0]).toContain('dindImage');
    expect(err.suggestions[0]).toContain('storageClass');
  });

  it('should say when an unset option is output without a guard', async () => {
    const path = await write('unset.yaml.njk', 'a: 1\nclass: {{ storageClass }}\n');
    const err = await rejection(renderHostTemplate({ templatePath: path, context: contextWith() }));
    expect(err.message).toContain('line 2: the option storageClass is unset (null): guard it with {% if storageClass %}');
  });

  it('should name the line of a syntax error, and the included file an error comes from', async () => {
    const broken = await write('broken.yaml.njk', 'a: 1\nb: {{ id }\n');
    const syntax = await rejection(renderHostTemplate({ templatePath: broken, context: contextWith() }));
    expect(syntax.code).toBe('KUBE_TEMPLATE_RENDER');
    expect(syntax.message).toContain(`${broken} line 2`);

    await write('part.njk', 'x: 1\ny: {{ missing.field }}\n');
    const main = await write('includes.yaml.njk', 'top: 1\n{% include "part.njk" %}\n');
    const included = await rejection(renderHostTemplate({ templatePath: main, context: contextWith() }));
    expect(included.message).toContain(`${join(dir, 'part.njk')} line 2 (included by ${main}): missing is not a template variable`);
  });

  it('should name the document and the rendered line of a YAML error', async () => {
    const path = await write('bad-yaml.yaml.njk', `${HOST}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n`);
    const err = await rejection(renderHostTemplate({ templatePath: path, context: contextWith() }));
    expect(err).toMatchObject({ code: 'KUBE_TEMPLATE_YAML', kind: 'invalid-input' });
    expect(err.message).toContain(`The kube-pod template ${path} renders invalid YAML in document 2, rendered line 19, column 9: Nested mappings`);
    expect(err.message).toContain('\n  19 |   name: x');
    expect(err.message).not.toMatch(/at line \d+/);
  });

  it('should refuse a document that is not a mapping', async () => {
    const path = await write('list.yaml.njk', `${HOST}---\n- a\n- b\n`);
    const err = await rejection(renderHostTemplate({ templatePath: path, context: contextWith() }));
    expect(err.code).toBe('KUBE_TEMPLATE_YAML');
    expect(err.message).toContain('document 2, rendered line 16: a Kubernetes object must be a mapping');
  });

  it('should say where to set the template when the file is missing', async () => {
    const path = join(dir, 'nope.yaml.njk');
    const err = await rejection(renderHostTemplate({ templatePath: path, context: contextWith() }));
    expect(err).toMatchObject({ code: 'KUBE_TEMPLATE_NOT_FOUND', message: `The kube-pod template ${path} does not exist` });
    expect(err.suggestions.join('\n')).toMatch(/--kube-pod-template.*x-preevy\.drivers\.kube-pod\.template.*compose file's directory/);
  });
});

describe('renderHostTemplate hash', () => {
  const hashOf = async (context: HostTemplateContext) => (await renderHostTemplate({ context })).hash;

  it('should be 16 hex characters that change when a rendered option changes, and not otherwise', async () => {
    const base = await hashOf(contextWith());
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(await hashOf(contextWith())).toBe(base);
    // Not rendered by the default template, and label order does not matter.
    expect(await hashOf(contextWith({ 'ready-timeout': 10, 'server-side-apply': false }))).toBe(base);
    expect(await hashOf(contextWith({}, { 'dev.preevy.env-id': 'my-env', 'dev.preevy.managed-by': 'preevy' }))).toBe(base);
    expect(await hashOf(contextWith({ cpu: '500m' }))).not.toBe(base);
    expect(await hashOf(contextWith({ 'dind-image': 'docker:28-dind' }))).not.toBe(base);
    expect(await hashOf(contextWith({ 'storage-size': '1Gi' }))).not.toBe(base);
  });
});
