import { AppsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { apiServerOf, kubeError } from './kube-errors.js';
import { KUBE_ANNOTATIONS } from './kube-labels.js';

/**
 * Stamps the docker-host Deployment with the time of this `up`, so `ls` and `purge` on any
 * machine know the environment's age from the cluster. A metadata-only merge patch: the pods are
 * not touched, and the template hash (what decides a re-apply) stays as it is.
 */
export const markLastUp = async (kc: KubeConfig, { namespace, deployment, at }: { namespace: string; deployment: string; at: Date }): Promise<void> => {
  const body = { metadata: { annotations: { [KUBE_ANNOTATIONS.lastUpAt]: at.toISOString() } } };
  await kc
    .makeApiClient(AppsV1Api)
    .patchNamespacedDeployment({ name: deployment, namespace, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
    .catch((e: unknown) => {
      throw kubeError(e, `stamping deployment ${namespace}/${deployment} with the time of this up`, { server: apiServerOf(kc) });
    });
};
