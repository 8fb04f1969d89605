import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';
import { sleepUnlessAborted, throwIfAborted, unlessAborted } from './interrupted.js';
import { apiServerOf, isNotFound, kubeError } from './kube-errors.js';
import type { ObjectRef } from './prepare-objects.js';

export interface ObjectKind {
  apiVersion: string;
  kind: string;
}

export interface DeleteOptions {
  namespace: string;
  /** The environment's labels as a selector; never empty (that would select the whole namespace). */
  labelSelector: string;
  /** Every kind the environment's template had (from the env record); pods are always waited for. */
  kinds: readonly ObjectKind[];
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal | undefined;
}

export interface DeletedCounts {
  /** Objects a delete was sent for (0 when nothing was left: `down` is idempotent). */
  total: number;
  byKind: Record<string, number>;
}

const POD: ObjectKind = { apiVersion: 'v1', kind: 'Pod' };

const uniqueKinds = (kinds: readonly ObjectKind[]): ObjectKind[] => [...new Map(kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k])).values()];

/** Lists and deletes one environment's objects by its labels; a kind the cluster no longer serves lists as empty. */
const labelledObjects = (kc: KubeConfig, namespace: string, labelSelector: string) => {
  if (labelSelector.trim() === '') throw new PreevyError('Refusing to delete with an empty label selector', { code: 'KUBE_SELECTOR_EMPTY', kind: 'internal' });
  const client = KubernetesObjectApi.makeApiClient(kc);
  const server = apiServerOf(kc);
  return {
    list: (k: ObjectKind): Promise<KubernetesObject[]> =>
      client.list(k.apiVersion, k.kind, namespace, undefined, undefined, undefined, undefined, labelSelector).then(
        (l) => l.items,
        (e: unknown) => {
          const err = kubeError(e, `listing ${k.kind} ${labelSelector} in ${namespace}`, { server });
          if (err.code === 'KUBE_KIND_UNKNOWN' || isNotFound(e)) return [];
          throw err;
        },
      ),
    /** Foreground propagation: a Deployment goes only after its pods. Already gone counts as deleted. */
    remove: (k: ObjectKind, name: string): Promise<void> =>
      client
        .delete({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name, namespace } }, undefined, undefined, undefined, undefined, 'Foreground')
        .then(
          () => undefined,
          (e: unknown) => {
            if (!isNotFound(e)) throw kubeError(e, `deleting ${k.kind} ${namespace}/${name}`, { server });
          },
        ),
  };
};

/**
 * Deletes every object of the given kinds that carries the labels, then waits until none of them,
 * and none of their pods, remains.
 * Idempotent: an object already gone, or a kind the cluster no longer serves, counts as deleted.
 */
export const deleteEnvironmentObjects = async (
  kc: KubeConfig,
  { namespace, labelSelector, kinds, timeoutMs, pollMs = 500, signal }: DeleteOptions,
): Promise<DeletedCounts> => {
  const { list, remove } = labelledObjects(kc, namespace, labelSelector);
  const deadline = Date.now() + timeoutMs;
  const what = `deleting the objects ${labelSelector} in ${namespace}`;

  const counts: DeletedCounts = { total: 0, byKind: {} };
  const toDelete = uniqueKinds(kinds);
  for (const k of toDelete) {
    throwIfAborted(signal, what);
    for (const o of await list(k)) {
      await remove(k, o.metadata?.name ?? '');
      counts.byKind[k.kind] = (counts.byKind[k.kind] ?? 0) + 1;
      counts.total += 1;
    }
  }

  const watched = uniqueKinds([...toDelete, POD]);
  for (;;) {
    const left = (await unlessAborted(Promise.all(watched.map(async (k) => (await list(k)).map((o) => ({ o, k })))), signal, what)).flat();
    if (left.length === 0) return counts;
    if (Date.now() >= deadline) {
      const names = left.map(({ o, k }) => `${k.kind} ${o.metadata?.name}${o.metadata?.finalizers?.length ? ` (finalizers: ${o.metadata.finalizers.join(', ')})` : ''}`);
      throw new PreevyError(`Still present after ${Math.round(timeoutMs / 1000)} s in namespace ${namespace}: ${names.join(', ')}`, {
        code: 'KUBE_DELETE_TIMEOUT',
        kind: 'unavailable',
        suggestions: [`See what holds them: kubectl -n ${namespace} get all -l ${labelSelector}`, 'Run `preevy down` again: it is idempotent.'],
      });
    }
    await sleepUnlessAborted(pollMs, signal, what);
  }
};

export interface PruneOptions {
  namespace: string;
  labelSelector: string;
  /** The kinds the environment had before this apply (its record, or its Deployment's annotation). */
  kinds: readonly ObjectKind[];
  /** What the template renders now: everything else of those kinds with the labels goes. */
  keep: readonly (ObjectKind & { name: string })[];
  signal?: AbortSignal | undefined;
}

/**
 * Deletes the environment's objects that its template no longer renders (a changed template, or
 * an option such as storage-size unset), so they neither linger nor escape `down`, which only
 * looks for the kinds recorded at the last apply. Does not wait: nothing new depends on them.
 */
export const pruneEnvironmentObjects = async (kc: KubeConfig, { namespace, labelSelector, kinds, keep, signal }: PruneOptions): Promise<ObjectRef[]> => {
  const { list, remove } = labelledObjects(kc, namespace, labelSelector);
  const kept = new Set(keep.map((o) => `${o.apiVersion}/${o.kind}/${o.name}`));
  const pruned: ObjectRef[] = [];
  for (const k of uniqueKinds(kinds)) {
    throwIfAborted(signal, `pruning ${k.kind} ${labelSelector} in ${namespace}`);
    for (const o of await list(k)) {
      const name = o.metadata?.name ?? '';
      if (kept.has(`${k.apiVersion}/${k.kind}/${name}`)) continue;
      await remove(k, name);
      pruned.push({ ...k, name });
    }
  }
  return pruned;
};
