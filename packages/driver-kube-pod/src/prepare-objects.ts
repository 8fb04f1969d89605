import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';
import { KUBE_ANNOTATIONS } from './kube-labels.js';

/** One object of an environment, as its record keeps it so `down` deletes every kind it had. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}

/** A rendered object with everything the API needs to address it. */
export type PreparedObject = KubernetesObject & { apiVersion: string; kind: string; metadata: V1ObjectMeta & { name: string; namespace: string } };

export interface PrepareOptions {
  namespace: string;
  /** The environment's labels (core's LABELS); they win over the template's own. */
  labels: Readonly<Record<string, string>>;
  templateHash: string;
  annotations?: Readonly<Record<string, string>> | undefined;
}

/** Kinds whose `spec.template` describes pods: the pods carry the labels too, so `down` can wait for them by label. */
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

const invalid = (message: string, suggestion: string) =>
  new PreevyError(message, { code: 'KUBE_OBJECT_INVALID', kind: 'invalid-input', suggestions: [suggestion] });

/** `Deployment ns/name`, for messages. */
export const describeObject = ({ kind, metadata }: PreparedObject): string => `${kind} ${metadata.namespace}/${metadata.name}`;

/**
 * Puts a rendered object in the driver's namespace and marks it as the environment's: its labels
 * (and its pods'), the template hash and extra annotations. Returns a copy; the input is untouched.
 */
export const prepareObject = (object: KubernetesObject, { namespace, labels, templateHash, annotations = {} }: PrepareOptions): PreparedObject => {
  const { apiVersion, kind } = object;
  const name = object.metadata?.name;
  if (!apiVersion || !kind || !name) {
    throw invalid(`A rendered object lacks apiVersion, kind or metadata.name: ${JSON.stringify(object).slice(0, 200)}`, 'Every object of the template needs apiVersion, kind and metadata.name.');
  }
  const own = object.metadata?.namespace;
  if (own !== undefined && own !== namespace) {
    // `down` looks for the environment's objects in the driver's namespace only.
    throw invalid(`${kind} ${name} names namespace "${own}", but the driver's namespace is "${namespace}"`, 'Remove metadata.namespace from the template: the driver sets it.');
  }
  const copy = structuredClone(object) as PreparedObject & { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } };
  copy.metadata = {
    ...copy.metadata,
    name,
    namespace,
    labels: { ...copy.metadata.labels, ...labels },
    annotations: { ...copy.metadata.annotations, ...annotations, [KUBE_ANNOTATIONS.templateHash]: templateHash },
  };
  const podTemplate = copy.spec?.template;
  if (POD_TEMPLATE_KINDS.has(kind) && podTemplate) {
    podTemplate.metadata = { ...podTemplate.metadata, labels: { ...podTemplate.metadata?.labels, ...labels } };
  }
  return copy;
};

/**
 * The skip rule: a live object that carries the same template hash and the environment's labels,
 * and is not being deleted, was applied from the same rendering and is left untouched (no write,
 * no new resourceVersion, no rollout). Any change to the template or its inputs changes the hash.
 */
export const isUnchanged = (live: KubernetesObject | undefined, wanted: PreparedObject): boolean => {
  const meta = live?.metadata;
  if (meta === undefined || meta.deletionTimestamp !== undefined) return false;
  const hash = wanted.metadata.annotations?.[KUBE_ANNOTATIONS.templateHash];
  if (hash === undefined || meta.annotations?.[KUBE_ANNOTATIONS.templateHash] !== hash) return false;
  return Object.entries(wanted.metadata.labels ?? {}).every(([k, v]) => meta.labels?.[k] === v);
};
