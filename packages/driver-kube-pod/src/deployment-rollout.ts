import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';
import { throwIfAborted, unlessAborted } from './interrupted.js';
import { apiServerOf, kubeError } from './kube-errors.js';

export interface DeploymentRef {
  namespace: string;
  name: string;
}

export interface RolloutOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** Aborting it (Ctrl-C) stops the wait at once with INTERRUPTED. */
  signal?: AbortSignal | undefined;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** True when the Deployment's current generation is fully rolled out and Available. */
export const isRolledOut = (d: V1Deployment): boolean => {
  const wanted = d.spec?.replicas ?? 1;
  const s = d.status;
  return (
    (s?.observedGeneration ?? -1) >= (d.metadata?.generation ?? 0) &&
    (s?.updatedReplicas ?? 0) >= wanted &&
    (s?.availableReplicas ?? 0) >= wanted &&
    (s?.replicas ?? 0) === (s?.updatedReplicas ?? 0) &&
    (s?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True')
  );
};

/** True for a pod that is Ready and not being deleted: one to forward to. */
export const isReady = (p: V1Pod): boolean =>
  p.metadata?.deletionTimestamp === undefined && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Why pods are not ready yet, as the kubelet put it (ErrImageNeverPull, CrashLoopBackOff, ...). */
export const podProblems = (pods: readonly V1Pod[]): string[] =>
  pods.flatMap((p) => [
    ...(p.status?.conditions ?? []).filter((c) => c.type === 'PodScheduled' && c.status === 'False').map((c) => `${p.metadata?.name}: ${c.message ?? c.reason}`),
    ...(p.status?.containerStatuses ?? []).flatMap((c) => {
      const waiting = c.state?.waiting;
      const terminated = c.lastState?.terminated;
      if (waiting?.reason !== undefined && waiting.reason !== 'ContainerCreating') {
        return [`${p.metadata?.name}/${c.name}: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`];
      }
      return terminated ? [`${p.metadata?.name}/${c.name}: exited ${terminated.exitCode} (${terminated.reason ?? 'no reason'})`] : [];
    }),
  ]);

const selectorOf = (d: V1Deployment): string =>
  Object.entries(d.spec?.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** The newest of the ready pods, or undefined. */
export const newestReadyPod = (pods: readonly V1Pod[]): V1Pod | undefined =>
  pods.filter(isReady).sort((a, b) => (b.metadata?.creationTimestamp?.getTime() ?? 0) - (a.metadata?.creationTimestamp?.getTime() ?? 0))[0];

/**
 * Waits until a Deployment is rolled out and Available, and returns its newest ready pod: the one
 * to exec in or forward to. On timeout the error names what the pods are waiting for; an aborted
 * signal stops it at once with INTERRUPTED.
 */
export const waitForDeployment = async (
  kc: KubeConfig,
  { namespace, name }: DeploymentRef,
  { timeoutMs = 180_000, pollMs = 500, signal, sleep = (ms) => new Promise((r) => setTimeout(r, ms)), now = Date.now }: RolloutOptions = {},
): Promise<V1Pod> => {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = now() + timeoutMs;
  const what = `deployment ${namespace}/${name}`;
  const waiting = `waiting for ${what}`;
  const server = apiServerOf(kc);
  for (;;) {
    throwIfAborted(signal, waiting);
    const deployment = await unlessAborted(
      apps.readNamespacedDeployment({ namespace, name }).catch((e: unknown) => {
        throw kubeError(e, `reading ${what}`, { server });
      }),
      signal,
      waiting,
    );
    const pods = await unlessAborted(
      core
        .listNamespacedPod({ namespace, labelSelector: selectorOf(deployment) })
        .then((l) => l.items)
        .catch((e: unknown) => {
          throw kubeError(e, `listing the pods of ${what}`, { server });
        }),
      signal,
      waiting,
    );
    if (isRolledOut(deployment)) {
      const ready = newestReadyPod(pods);
      if (ready !== undefined) return ready;
    }
    if (now() >= deadline) {
      const problems = podProblems(pods);
      throw new PreevyError(`${what} is not available after ${Math.round(timeoutMs / 1000)} s${problems.length > 0 ? `: ${problems.join('; ')}` : ''}`, {
        code: 'KUBE_ROLLOUT_TIMEOUT',
        kind: 'unavailable',
        suggestions: [
          `See the events: kubectl -n ${namespace} describe deployment ${name}`,
          'An image the node cannot pull needs imagePullPolicy IfNotPresent and the image on the node.',
        ],
      });
    }
    await unlessAborted(sleep(pollMs), signal, waiting);
  }
};
