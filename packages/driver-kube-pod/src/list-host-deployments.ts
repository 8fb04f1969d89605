import { AppsV1Api, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { LABELS } from '@preevy/core';
import { apiServerOf, kubeError } from './kube-errors.js';
import { DOCKER_HOST_COMPONENT, KUBE_LABELS, labelSelector } from './kube-labels.js';

/** A docker-host Deployment as `ls` and `findHost` see it, from the cluster alone. */
export interface HostDeployment {
  namespace: string;
  name: string;
  envId: string;
  profileId: string;
  /** Undefined when the template did not set the host-id label. */
  hostId: string | undefined;
  /** The Deployment's pod selector, as a label selector. */
  selector: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createdAt: Date | undefined;
}

export const toHostDeployment = (d: V1Deployment): HostDeployment | undefined => {
  const labels = d.metadata?.labels ?? {};
  const envId = labels[LABELS.envId];
  const profileId = labels[LABELS.profile];
  // one without the environment labels is not ours to report, whatever matched the selector
  if (envId === undefined || profileId === undefined || d.metadata?.name === undefined) return undefined;
  return {
    namespace: d.metadata.namespace ?? '',
    name: d.metadata.name,
    envId,
    profileId,
    hostId: labels[KUBE_LABELS.hostId],
    selector: labelSelector(d.spec?.selector?.matchLabels ?? {}),
    labels,
    annotations: d.metadata.annotations ?? {},
    createdAt: d.metadata.creationTimestamp,
  };
};

/**
 * The docker-host Deployments (component `docker-host`) that carry the given labels, e.g. a
 * profile's (`dev.preevy.profile=p`) or one environment's; for `ls` and `findHost` on a machine
 * with an empty local store.
 */
export const listHostDeployments = async (kc: KubeConfig, { namespace, labelSelector }: { namespace: string; labelSelector: string }): Promise<HostDeployment[]> => {
  const selector = [`${KUBE_LABELS.component}=${DOCKER_HOST_COMPONENT}`, ...(labelSelector.trim() ? [labelSelector] : [])].join(',');
  const list = await kc
    .makeApiClient(AppsV1Api)
    .listNamespacedDeployment({ namespace, labelSelector: selector })
    .catch((e: unknown) => {
      throw kubeError(e, `listing the docker-host deployments ${selector} in ${namespace}`, { server: apiServerOf(kc) });
    });
  return list.items.flatMap((d) => toHostDeployment(d) ?? []);
};
