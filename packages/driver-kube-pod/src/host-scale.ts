import { AppsV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { PreevyError, type HostSelfStop } from '@preevy/core';
import { FIELD_MANAGER } from './apply-objects.js';
import { apiServerOf, kubeError } from './kube-errors.js';
import { execInPod } from './pod-exec.js';

/** Where Kubernetes mounts the pod's service-account credentials; the agent gets the same path bind-mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface DeploymentName {
  namespace: string;
  name: string;
}

/**
 * Scales the host back to one pod when it was scaled to zero (a workspace's idle stop): only
 * `ensureHost` does it, i.e. an explicit `up` or `workspace start`, never a connecting client.
 * Returns whether it did.
 */
export const resumeHost = async (kc: KubeConfig, { namespace, name }: DeploymentName): Promise<boolean> => {
  // The Deployment itself, not its scale subresource: the README's CI Role needs nothing more.
  const fail = (verb: string) => (e: unknown) => {
    throw kubeError(e, `${verb} deployment ${namespace}/${name}`, { server: apiServerOf(kc), needs: 'get, patch deployments' });
  };
  const live = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace, name }).catch(fail('reading'));
  if (live.spec?.replicas !== 0) return false;
  await KubernetesObjectApi.makeApiClient(kc)
    .patch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas: 1 } }, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch)
    .catch(fail('scaling up'));
  return true;
};

/** The host's Deployment(s) scaled to zero, by the pods' selector (the Deployment carries the same labels). */
export const scaledToZero = async (kc: KubeConfig, { namespace, selector }: { namespace: string; selector: string }): Promise<string | undefined> => {
  const list = await kc
    .makeApiClient(AppsV1Api)
    .listNamespacedDeployment({ namespace, labelSelector: selector })
    .catch(() => undefined);
  return list?.items.find((d) => d.spec?.replicas === 0)?.metadata?.name;
};

/** The host is stopped (scaled to zero when its workspace idled): a typed error `ls` shows as stopped. */
export const hostStoppedError = (namespace: string, deployment: string): PreevyError =>
  new PreevyError(`The docker host ${namespace}/${deployment} is stopped (scaled to zero after its workspace idled)`, {
    code: 'HOST_STOPPED',
    kind: 'unavailable',
    suggestions: ['`preevy workspace start NAME` (or `workspace up`, `preevy up`) starts it again; the workspace volume is kept.'],
  });

/** Parses `printenv KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT` as run in the host's container. Pure. */
export const serviceAddressOf = (stdout: string): { host: string; port: string } | undefined => {
  const [host, port] = stdout.split('\n').map((l) => l.trim());
  return host && port && /^\d+$/.test(port) ? { host, port } : undefined;
};

/**
 * What the workspace agent needs to scale the host to zero: the API's in-cluster address as the
 * pod sees it (read from its own environment: the cluster's `kubernetes` service, no extra
 * permission) and the pod's service-account token directory, bind-mounted into the agent.
 */
export const hostSelfStop = async (kc: KubeConfig, ref: DeploymentName & { pod: string; container: string }): Promise<HostSelfStop> => {
  const res = await execInPod(kc, { namespace: ref.namespace, pod: ref.pod, container: ref.container }, ['printenv', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'], { timeoutMs: 20_000 });
  const address = res.exitCode === 0 ? serviceAddressOf(res.stdout) : undefined;
  if (!address) {
    throw new PreevyError(`The docker host ${ref.namespace}/${ref.name} does not see the Kubernetes API address (KUBERNETES_SERVICE_HOST/PORT)`, {
      code: 'KUBE_SELF_STOP_UNAVAILABLE',
      kind: 'unavailable',
      suggestions: ['Check the pod with `kubectl exec` (printenv); or run without --container-inactivity-timeout.'],
    });
  }
  return {
    scaleDeployment: { namespace: ref.namespace, name: ref.name },
    env: { KUBERNETES_SERVICE_HOST: address.host, KUBERNETES_SERVICE_PORT: address.port },
    mounts: [SERVICE_ACCOUNT_DIR],
  };
};
