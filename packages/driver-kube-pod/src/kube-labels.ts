import { LABEL_PREFIX } from '@preevy/core';

/**
 * The kube-pod driver's own keys, beside the environment labels of core's LABELS (managed-by,
 * profile, env id) that every object carries too. Only this driver reads them.
 */
export const KUBE_LABELS = Object.freeze({
  /** The standard component label; its value marks the docker-host Deployment among an environment's objects. */
  component: 'app.kubernetes.io/component',
  /** One host of an environment; the Deployment's pods carry it, so it selects them. */
  hostId: `${LABEL_PREFIX}.host-id`,
});

export const DOCKER_HOST_COMPONENT = 'docker-host';

export const KUBE_ANNOTATIONS = Object.freeze({
  /** Hash of what rendered the object: an object whose live copy carries the same hash is not applied again. */
  templateHash: `${LABEL_PREFIX}.template-hash`,
  /** The kinds of every object the template had (JSON), so `down` without the env record deletes each. */
  kinds: `${LABEL_PREFIX}.kinds`,
  /** On the docker-host Deployment: when an `up` last ran for it (ISO time), the environment's age for `ls` and `purge`. */
  lastUpAt: `${LABEL_PREFIX}.last-up-at`,
});

/** `k1=v1,k2=v2`, sorted so the same labels give the same selector. */
export const labelSelector = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
