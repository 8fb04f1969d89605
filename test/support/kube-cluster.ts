import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '@preevy/driver-kube-pod';

const REMEDY = 'Start it with `npm run kube:up` (as root), or run the full `npm test`, which starts it.';

/** The same cache folder test/infra/lib.sh uses. */
const testCache = (env = process.env): string =>
  env.PREEVY_TEST_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'preevy-test');

/** The admin kubeconfig that test/infra/kube/up.sh writes. */
export const KUBECONFIG_FILE = join(testCache(), 'kube', 'kubeconfig');
/** The node name and the dind image that test/infra/kube/{env,images}.sh give the test cluster. */
export const KUBE_NODE = 'node1';
export const KUBE_DIND_IMAGE = 'docker.io/preevy-test/dind:k8s';
/** test/infra/kube/env.sh: the root namespace's end of the node's veth; pods are routed to it (a tunnel server for agents in pods listens there). */
export const KUBE_HOST_IP = '10.213.0.2';
/** test/infra/kube/env.sh: the node's network namespace and the root namespace's end of its veth. */
const KUBE_NETNS_FILE = '/run/netns/preevy-k8s';
const KUBE_HOST_LINK = 'pk8s-h';

/**
 * The test cluster's KubeConfig, once its node answers Ready. Throws (never skips) when the
 * cluster is not up, so a kube test fails loudly with what to do.
 */
export const requireKubeCluster = async (): Promise<KubeConfig> => {
  if (!existsSync(KUBECONFIG_FILE)) throw new Error(`No test Kubernetes cluster: ${KUBECONFIG_FILE} is missing. ${REMEDY}`);
  // Without the node's veth, the kubeconfig's 10.213.0.1 would be routed off this machine: never
  // send a request before the link to the namespace exists.
  if (!existsSync(KUBE_NETNS_FILE) || !existsSync(`/sys/class/net/${KUBE_HOST_LINK}`)) {
    throw new Error(`The test Kubernetes node is not up (no network namespace ${KUBE_NETNS_FILE} or link ${KUBE_HOST_LINK}). ${REMEDY}`);
  }
  const kc = loadKubeConfig({ kubeconfig: KUBECONFIG_FILE });
  const node = await kc
    .makeApiClient(CoreV1Api)
    .readNode({ name: KUBE_NODE })
    .catch((err: unknown) => {
      throw new Error(`The test Kubernetes API server (${kc.getCurrentCluster()?.server}) does not answer: ${String(err)}. ${REMEDY}`, { cause: err });
    });
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') throw new Error(`Test Kubernetes node ${KUBE_NODE} is not Ready (${ready?.reason ?? 'no Ready condition'}). ${REMEDY}`);
  return kc;
};
