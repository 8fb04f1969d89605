import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';
import { podProblems, waitForDeployment } from './deployment-rollout.js';
import { pingDocker } from './docker-ping.js';
import { sleepUnlessAborted, throwIfAborted, unlessAborted } from './interrupted.js';
import { messageOf } from './kube-errors.js';
import { forwardPort } from './port-forward.js';

/** dockerd's plain-TCP port in the host's pod; bound to the pod's loopback, reached by port-forward only. */
export const DOCKER_PORT = 2375;

export interface HostDeploymentRef {
  namespace: string;
  deployment: string;
}

export interface WaitHostOptions {
  /** One deadline for the rollout and dockerd's answer. */
  timeoutMs: number;
  /** Aborting it (Ctrl-C) stops the wait at once with INTERRUPTED. */
  signal?: AbortSignal | undefined;
  pollMs?: number;
  port?: number;
}

/**
 * Waits until the host's Deployment is rolled out and dockerd in its ready pod answers `/_ping`
 * through a port-forward, and returns that pod's name. On timeout the error says what is missing:
 * the pods' own state (image, crash, scheduling) or dockerd's silence.
 */
export const waitForHost = async (
  kc: KubeConfig,
  { namespace, deployment }: HostDeploymentRef,
  { timeoutMs, signal, pollMs = 500, port = DOCKER_PORT }: WaitHostOptions,
): Promise<string> => {
  const deadline = Date.now() + timeoutMs;
  const pod = await waitForDeployment(kc, { namespace, name: deployment }, { timeoutMs, pollMs, signal });
  const podName = pod.metadata?.name ?? '';
  const waiting = `waiting for dockerd in pod ${namespace}/${podName}`;
  await using forward = await forwardPort(kc, { namespace, pod: podName, port });
  let lastFailure = '';
  for (;;) {
    throwIfAborted(signal, waiting);
    const left = deadline - Date.now();
    const answered = await unlessAborted(
      pingDocker(forward.port, { timeoutMs: Math.max(1_000, Math.min(5_000, left)), signal }).catch((e: unknown) => {
        if (signal?.aborted) throw e;
        // the API server's reason (nothing listens on the port yet) says more than the local socket's
        lastFailure = forward.lastError ?? messageOf(e);
        return false;
      }),
      signal,
      waiting,
    );
    if (answered) return podName;
    if (Date.now() >= deadline) {
      const live = await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedPod({ namespace, name: podName })
        .then((p) => podProblems([p]))
        .catch(() => []);
      throw new PreevyError(
        `dockerd in pod ${namespace}/${podName} did not answer on port ${port} within ${Math.round(timeoutMs / 1000)} s: ${[lastFailure, ...live].filter(Boolean).join('; ')}`,
        {
          code: 'KUBE_HOST_NOT_READY',
          kind: 'unavailable',
          suggestions: [
            `See dockerd's log: kubectl -n ${namespace} logs ${podName}`,
            `The template must run dockerd with --host=tcp://127.0.0.1:${port} (and a privileged container).`,
          ],
        },
      );
    }
    await sleepUnlessAborted(pollMs, signal, waiting);
  }
};
