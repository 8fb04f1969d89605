import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isRolledOut, podProblems } from './deployment-rollout.js';

const deployment = (status?: V1Deployment['status'], generation = 2): V1Deployment => ({
  metadata: { name: 'dind', generation },
  spec: { replicas: 1, selector: { matchLabels: { app: 'dind' } }, template: {} },
  ...(status && { status }),
});
const available = { type: 'Available', status: 'True' };

describe('isRolledOut', () => {
  it('should want the current generation updated, available and without old replicas', () => {
    expect(isRolledOut(deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [available] }))).toBe(true);
  });

  it('should not count an Available condition left from the previous generation', () => {
    expect(isRolledOut(deployment({ observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [available] }))).toBe(false);
    expect(isRolledOut(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1, conditions: [available] }))).toBe(false);
    expect(isRolledOut(deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [available] }))).toBe(false);
    expect(isRolledOut(deployment())).toBe(false);
  });
});

describe('podProblems', () => {
  it('should name the waiting reason, the last exit and an unschedulable pod', () => {
    const pods: V1Pod[] = [
      {
        metadata: { name: 'p1' },
        status: { containerStatuses: [{ name: 'dind', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImageNeverPull', message: 'image not present' } } }] },
      },
      {
        metadata: { name: 'p2' },
        status: {
          containerStatuses: [{ name: 'dind', image: 'i', imageID: '', ready: false, restartCount: 3, state: { waiting: { reason: 'ContainerCreating' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }],
        },
      },
      { metadata: { name: 'p3' }, status: { conditions: [{ type: 'PodScheduled', status: 'False', message: '0/1 nodes are available' }] } },
    ];
    expect(podProblems(pods)).toEqual(['p1/dind: ErrImageNeverPull (image not present)', 'p2/dind: exited 1 (Error)', 'p3: 0/1 nodes are available']);
  });
});
