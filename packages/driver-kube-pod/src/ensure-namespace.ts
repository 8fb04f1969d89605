import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '@preevy/core';
import { apiServerOf, kubeError, namespaceMissingError } from './kube-errors.js';

/** `unknown`: the user may not read namespaces (a namespace-scoped Role); applying will tell. */
export type NamespaceState = 'exists' | 'created' | 'unknown';

const statusOf = (err: unknown): number | undefined => (err instanceof ApiException ? (err as ApiException<unknown>).code : undefined);

/**
 * Checks that the namespace exists and, when asked, creates it (labelled as preevy's; it is shared
 * by environments, so `down` never deletes it).
 */
export const ensureNamespace = async (kc: KubeConfig, namespace: string, { create }: { create: boolean }): Promise<NamespaceState> => {
  const core = kc.makeApiClient(CoreV1Api);
  const server = apiServerOf(kc);
  const status = await core.readNamespace({ name: namespace }).then(
    () => 200,
    (e: unknown) => {
      const code = statusOf(e);
      if (code === 404 || code === 403) return code;
      throw kubeError(e, `reading namespace ${namespace}`, { server });
    },
  );
  if (status === 200) return 'exists';
  // Reading namespaces is cluster-scoped: a user confined to the namespace cannot, and need not.
  if (status === 403 && !create) return 'unknown';
  if (!create) throw namespaceMissingError(namespace);
  return core.createNamespace({ body: { metadata: { name: namespace, labels: { [LABELS.managedBy]: MANAGED_BY } } } }).then(
    () => 'created' as const,
    (e: unknown) => {
      if (statusOf(e) === 409) return 'exists' as const; // created meanwhile, or hidden from us by a 403 read
      throw kubeError(e, `creating namespace ${namespace}`, { server });
    },
  );
};
