import { LABEL_PREFIX } from '@preevy/core';

/** A Kubernetes object as a template renders it: the fields the driver reads, the rest kept as is. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } & Record<string, unknown>;
  [key: string]: unknown;
}

/** The label that marks the docker-host Deployment of a template (and its other objects). */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const DOCKER_HOST_COMPONENT = 'docker-host';

/**
 * The shipped templates select the host's pod by this label alone: a Deployment's selector is
 * immutable, so it may hold only what never changes for one host (its id).
 */
export const HOST_ID_LABEL = `${LABEL_PREFIX}.host-id`;
