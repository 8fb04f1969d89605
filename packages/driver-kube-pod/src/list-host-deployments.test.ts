import { describe, expect, it } from 'vitest';
import { labelSelector } from './kube-labels.js';
import { toHostDeployment } from './list-host-deployments.js';

describe('toHostDeployment', () => {
  it("should read env id, profile and host id from the labels, and the pod selector from the spec", () => {
    const createdAt = new Date('2024-01-01T00:00:00Z');
    const labels = { 'dev.preevy.env-id': 'pr-7', 'dev.preevy.profile': 'p1', 'dev.preevy.host-id': 'abc', 'app.kubernetes.io/component': 'docker-host' };
    expect(toHostDeployment({ metadata: { name: 'preevy-pr-7', namespace: 'ns', labels, annotations: { a: 'b' }, creationTimestamp: createdAt }, spec: { selector: { matchLabels: { 'dev.preevy.host-id': 'abc' } }, template: {} } })).toEqual({
      namespace: 'ns',
      name: 'preevy-pr-7',
      envId: 'pr-7',
      profileId: 'p1',
      hostId: 'abc',
      selector: 'dev.preevy.host-id=abc',
      labels,
      annotations: { a: 'b' },
      createdAt,
    });
  });

  it('should ignore a Deployment without the environment labels', () => {
    expect(toHostDeployment({ metadata: { name: 'x', labels: { 'dev.preevy.env-id': 'pr-7' } } })).toBeUndefined();
  });
});

describe('labelSelector', () => {
  it('should join sorted key=value pairs', () => {
    expect(labelSelector({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(labelSelector({})).toBe('');
  });
});
