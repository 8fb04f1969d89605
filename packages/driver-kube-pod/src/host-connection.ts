import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { PreevyError, type DockerConnection } from '@preevy/core';
import { newestReadyPod, podProblems } from './deployment-rollout.js';
import { hostStoppedError, scaledToZero } from './host-scale.js';
import { apiServerOf, kubeError } from './kube-errors.js';
import { forwardPort } from './port-forward.js';
import { DOCKER_PORT } from './wait-host-ready.js';

export interface HostPods {
  namespace: string;
  /** Label selector of the host's pods, e.g. `dev.preevy.host-id=abc`. */
  selector: string;
  port?: number;
}

export interface KubeHostConnection extends DockerConnection {
  dockerHost: string;
  seesLocalFiles: false;
  readonly port: number;
  /** Why the last forwarded connection failed, as the API server or the pod lookup said. */
  readonly lastError: string | undefined;
  close(): Promise<void>;
}

/** The newest ready (Running, not terminating) pod the selector matches; names what the others wait for when there is none. */
export const findReadyPod = async (kc: KubeConfig, { namespace, selector }: Pick<HostPods, 'namespace' | 'selector'>): Promise<string> => {
  if (selector.trim() === '') throw new PreevyError('An empty selector would match every pod of the namespace', { code: 'KUBE_SELECTOR_EMPTY', kind: 'internal' });
  const pods = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace, labelSelector: selector })
    .then((l) => l.items)
    .catch((e: unknown) => {
      throw kubeError(e, `listing the pods ${selector} in ${namespace}`, { server: apiServerOf(kc) });
    });
  const ready = newestReadyPod(pods)?.metadata?.name;
  if (ready !== undefined) return ready;
  if (pods.length === 0) {
    const stopped = await scaledToZero(kc, { namespace, selector });
    if (stopped) throw hostStoppedError(namespace, stopped);
  }
  const problems = podProblems(pods);
  throw new PreevyError(
    `No ready pod of the Docker host (${selector}) in namespace ${namespace}${pods.length === 0 ? ': none exists' : problems.length > 0 ? `: ${problems.join('; ')}` : ': not ready yet'}`,
    {
      code: 'KUBE_HOST_POD_NOT_READY',
      kind: 'unavailable',
      suggestions: [`See the pods: kubectl -n ${namespace} get pods -l ${selector}`, 'Run `preevy up` to create or repair the host.'],
    },
  );
};

/**
 * Connects to the host's dockerd through a loopback port-forward. The pod is looked up now (a
 * missing host fails here) and again whenever a forwarded connection to it fails, so a restarted
 * or rescheduled pod is picked up without reconnecting. Every docker CLI connection (compose opens
 * many at once) is its own stream.
 */
export const connectToHost = async (kc: KubeConfig, { namespace, selector, port = DOCKER_PORT }: HostPods, { localPort = 0 }: { localPort?: number } = {}): Promise<KubeHostConnection> => {
  // The first lookup's answer serves the first connection; later ones go through forwardPort's cache.
  let first: Promise<string> | undefined = Promise.resolve(await findReadyPod(kc, { namespace, selector }));
  const resolvePod = (): Promise<string> => {
    const pod = first ?? findReadyPod(kc, { namespace, selector });
    first = undefined;
    return pod;
  };
  const forward = await forwardPort(kc, { namespace, pod: resolvePod, port }, { localPort });
  return {
    dockerHost: `tcp://127.0.0.1:${forward.port}`,
    seesLocalFiles: false,
    port: forward.port,
    get lastError() {
      return forward.lastError;
    },
    close: () => forward.close(),
    [Symbol.asyncDispose]: () => forward.close(),
  };
};
