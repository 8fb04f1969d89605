import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KUBE_ANNOTATIONS } from './kube-labels.js';
import { isUnchanged, prepareObject } from './prepare-objects.js';

const ENV = { 'dev.preevy.managed-by': 'preevy', 'dev.preevy.profile': 'p1', 'dev.preevy.env-id': 'pr-7' };
const options = { namespace: 'ns', labels: ENV, templateHash: 'h1' };

const deployment: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'host', labels: { 'app.kubernetes.io/component': 'docker-host', 'dev.preevy.env-id': 'from-template' } },
  spec: {
    selector: { matchLabels: { 'dev.preevy.host-id': 'h' } },
    template: { metadata: { labels: { 'dev.preevy.host-id': 'h' } }, spec: { containers: [{ name: 'dind', image: 'docker:dind' }] } },
  },
};

describe('prepareObject', () => {
  it('should set the namespace, merge the env labels over the template\'s, and annotate the template hash', () => {
    const out = prepareObject(deployment, { ...options, annotations: { 'dev.preevy.note': 'n' } });
    expect(out.metadata).toEqual({
      name: 'host',
      namespace: 'ns',
      labels: { 'app.kubernetes.io/component': 'docker-host', ...ENV },
      annotations: { 'dev.preevy.note': 'n', [KUBE_ANNOTATIONS.templateHash]: 'h1' },
    });
  });

  it('should label the pods of a workload but leave its selector alone', () => {
    const out = prepareObject(deployment, options) as V1Deployment;
    expect(out.spec?.template.metadata?.labels).toEqual({ 'dev.preevy.host-id': 'h', ...ENV });
    expect(out.spec?.selector.matchLabels).toEqual({ 'dev.preevy.host-id': 'h' });
    expect(deployment.metadata?.namespace).toBeUndefined(); // the input is not touched
    expect(deployment.spec?.template.metadata?.labels).toEqual({ 'dev.preevy.host-id': 'h' });
  });

  it('should not invent a pod template for other kinds', () => {
    const cm = prepareObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } } as KubernetesObject, options);
    expect(cm).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', labels: ENV, annotations: { [KUBE_ANNOTATIONS.templateHash]: 'h1' } }, data: { a: '1' } });
  });

  it('should accept the same namespace and refuse another one or an incomplete object', () => {
    expect(prepareObject({ ...deployment, metadata: { ...deployment.metadata, namespace: 'ns' } }, options).metadata.namespace).toBe('ns');
    expect(() => prepareObject({ ...deployment, metadata: { ...deployment.metadata, namespace: 'other' } }, options)).toThrow(
      expect.objectContaining({ code: 'KUBE_OBJECT_INVALID', message: expect.stringContaining('"other"') as unknown }),
    );
    expect(() => prepareObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, options)).toThrow(expect.objectContaining({ code: 'KUBE_OBJECT_INVALID' }));
    expect(() => prepareObject({ kind: 'ConfigMap', metadata: { name: 'c' } }, options)).toThrow(expect.objectContaining({ code: 'KUBE_OBJECT_INVALID' }));
  });
});

describe('isUnchanged (the skip rule)', () => {
  const wanted = prepareObject(deployment, options);
  const live = (annotations: Record<string, string>, labels: Record<string, string> = ENV, extra: object = {}): KubernetesObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'host', namespace: 'ns', resourceVersion: '42', annotations, labels: { ...labels, 'app.kubernetes.io/component': 'docker-host' }, ...extra },
  });

  it('should skip a live object with the same hash and the env labels', () => {
    expect(isUnchanged(live({ [KUBE_ANNOTATIONS.templateHash]: 'h1', 'deployment.kubernetes.io/revision': '1' }), wanted)).toBe(true);
  });

  it('should apply when there is no live object, another hash, no hash, other labels, or a deletion under way', () => {
    expect(isUnchanged(undefined, wanted)).toBe(false);
    expect(isUnchanged(live({ [KUBE_ANNOTATIONS.templateHash]: 'h0' }), wanted)).toBe(false);
    expect(isUnchanged(live({}), wanted)).toBe(false);
    expect(isUnchanged(live({ [KUBE_ANNOTATIONS.templateHash]: 'h1' }, { ...ENV, 'dev.preevy.profile': 'p2' }), wanted)).toBe(false);
    expect(isUnchanged(live({ [KUBE_ANNOTATIONS.templateHash]: 'h1' }, ENV, { deletionTimestamp: new Date() }), wanted)).toBe(false);
  });
});
