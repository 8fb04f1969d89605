import { PreevyError } from '@preevy/core';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { validateHostObjects } from './validate-objects.js';

const CHECK = { namespace: 'preview', templatePath: '/t/host.yaml.njk' };

const host = (name = 'h', extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { 'app.kubernetes.io/component': 'docker-host' } },
  spec: { template: { spec: { containers: [{ name: 'dockerd', image: 'docker:27-dind' }, { name: 'sidecar' }] } } },
  ...extra,
});
const configMap = (metadata: KubeObject['metadata'] = { name: 'conf' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata });

/** The problems of the KUBE_TEMPLATE_INVALID error `objects` cause, one a line. */
const problems = (objects: unknown[]): string[] => {
  let err: unknown;
  try {
    validateHostObjects(objects as KubeObject[], CHECK);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PreevyError);
  expect(err).toMatchObject({ code: 'KUBE_TEMPLATE_INVALID', kind: 'invalid-input' });
  const { message } = err as PreevyError;
  expect(message.split('\n')[0]).toBe('The kube-pod template /t/host.yaml.njk renders objects preevy cannot use:');
  return message.split('\n').slice(1).map((l) => l.replace(/^ {2}- /, ''));
};

describe('validateHostObjects', () => {
  it('should return the docker-host Deployment, its first container, and every object placed in the namespace', () => {
    const input = [configMap(), host('h'), configMap({ name: 'other', namespace: 'preview' })];
    const { objects, deployment, dockerContainer } = validateHostObjects(input, CHECK);
    expect(dockerContainer).toBe('dockerd');
    expect(deployment).toBe(objects[1]);
    expect(objects.map((o) => o.metadata.namespace)).toEqual(['preview', 'preview', 'preview']);
    expect(objects[0]).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf', namespace: 'preview' } });
    expect(input[0]!.metadata.namespace).toBeUndefined(); // copies, not the caller's objects
  });

  it('should ignore a Deployment without the docker-host label', () => {
    const plain = host('plain', { metadata: { name: 'plain' } });
    expect(validateHostObjects([plain, host('h')], CHECK).deployment.metadata.name).toBe('h');
  });

  it('should refuse objects without a docker-host Deployment', () => {
    expect(problems([configMap()])).toEqual([
      'no Deployment is labelled app.kubernetes.io/component: docker-host (in metadata.labels): the driver runs Docker in the first container of that Deployment',
    ]);
    expect(problems([])).toHaveLength(1);
  });

  it('should refuse two docker-host Deployments, naming both', () => {
    expect(problems([host('a'), host('b')])).toEqual(['2 Deployments are labelled app.kubernetes.io/component: docker-host (Deployment/a, Deployment/b): keep exactly one']);
  });

  it('should refuse an object in another namespace', () => {
    expect(problems([host('h'), configMap({ name: 'conf', namespace: 'kube-system' })])).toEqual([
      'ConfigMap/conf: is in namespace "kube-system", not "preview": use {{ namespace }} or leave metadata.namespace out',
    ]);
  });

  it('should refuse cluster-scoped kinds, pointing a Namespace at create-namespace', () => {
    const [role, ns] = problems([host('h'), { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }]);
    expect(role).toBe('ClusterRole/r: ClusterRole is cluster-scoped; a template may create only namespaced objects: create it once, beforehand');
    expect(ns).toContain('Namespace/n: Namespace is cluster-scoped');
    expect(ns).toContain('--kube-pod-create-namespace');
  });

  it('should refuse objects without apiVersion, kind or name, saying which', () => {
    expect(problems([host('h'), { kind: 'Secret', metadata: {} }, { apiVersion: 'v1', metadata: { name: 'x' } }, 'text'])).toEqual([
      'Secret #2 (no metadata.name): apiVersion is missing',
      'Secret #2 (no metadata.name): give it a metadata.name (e.g. {{ id }} or {{ id }}-<what>)',
      'object/x: kind is missing',
      'object #4 is not a mapping',
    ]);
  });

  it('should refuse a docker-host Deployment without containers, or of an old apiVersion', () => {
    expect(problems([host('h', { spec: { template: { spec: { containers: [] } } } })])).toEqual([
      'Deployment/h: has no containers; its first container (spec.template.spec.containers[0]) must run dockerd',
    ]);
    expect(problems([host('h', { spec: {} })])).toHaveLength(1);
    expect(problems([host('h', { apiVersion: 'extensions/v1beta1' })])).toEqual(['Deployment/h: apiVersion is "extensions/v1beta1", use apps/v1']);
  });

  it('should collect every problem into one error', () => {
    expect(problems([configMap({ name: 'a', namespace: 'x' }), { apiVersion: 'v1', kind: 'List', metadata: { name: 'l' }, items: [] }])).toEqual([
      'ConfigMap/a: is in namespace "x", not "preview": use {{ namespace }} or leave metadata.namespace out',
      'List/l: write each item as its own YAML document (separated by ---) instead of a List',
      'no Deployment is labelled app.kubernetes.io/component: docker-host (in metadata.labels): the driver runs Docker in the first container of that Deployment',
    ]);
  });
});
