import { DOCKER_HOST_COMPONENT, KUBE_LABELS } from '../kube-labels.js';
import type { KubeObject } from './kube-object.js';
import { templateInvalid } from './template-errors.js';

/**
 * Built-in kinds that live outside any namespace. The driver applies a template's objects in one
 * namespace and deletes them with the host, so it must never touch cluster-wide state. (A custom
 * resource's scope is unknown here; the API server refuses a cluster-scoped one given a namespace.)
 */
const CLUSTER_SCOPED_KINDS = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

export interface HostObjectsCheck {
  /** Where the objects of a namespaced object must go. */
  namespace: string;
  /** Named in the error. */
  templatePath: string;
}

export interface ValidatedHostObjects {
  /** The objects, in order, each with `metadata.namespace` set (copies; the input is not changed). */
  objects: KubeObject[];
  /** The docker-host Deployment, from `objects`. */
  deployment: KubeObject;
  /** Name of its first container: the one running dockerd. */
  dockerContainer: string;
}

const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Kind/name` as kubectl writes it, or the object's position when it has no name. */
const refOf = (o: Record<string, unknown>, index: number): string => {
  const kind = nonEmptyString(o.kind) ? o.kind : 'object';
  const name = isRecord(o.metadata) ? o.metadata.name : undefined;
  return nonEmptyString(name) ? `${kind}/${name}` : `${kind} #${index + 1} (no metadata.name)`;
};

const isDockerHost = (o: KubeObject): boolean => o.kind === 'Deployment' && o.metadata.labels?.[KUBE_LABELS.component] === DOCKER_HOST_COMPONENT;

const containersOf = (deployment: KubeObject): unknown[] | undefined => {
  const { spec } = deployment;
  const podSpec = isRecord(spec) && isRecord(spec.template) ? spec.template.spec : undefined;
  return isRecord(podSpec) && Array.isArray(podSpec.containers) ? podSpec.containers : undefined;
};

const firstContainerName = (deployment: KubeObject): string | undefined => {
  const [first] = containersOf(deployment) ?? [];
  return isRecord(first) && nonEmptyString(first.name) ? first.name : undefined;
};

/** Problems of one object on its own: identity and scope. */
const objectProblems = (o: unknown, index: number, namespace: string): string[] => {
  if (!isRecord(o)) return [`object #${index + 1} is not a mapping`];
  const ref = refOf(o, index);
  const problems: string[] = [];
  if (!nonEmptyString(o.apiVersion)) problems.push(`${ref}: apiVersion is missing`);
  if (!nonEmptyString(o.kind)) problems.push(`${ref}: kind is missing`);
  if (!isRecord(o.metadata) || !nonEmptyString(o.metadata.name)) problems.push(`${ref}: give it a metadata.name (e.g. {{ id }} or {{ id }}-<what>)`);
  if (o.kind === 'List') problems.push(`${ref}: write each item as its own YAML document (separated by ---) instead of a List`);
  if (nonEmptyString(o.kind) && CLUSTER_SCOPED_KINDS.has(o.kind)) {
    problems.push(
      `${ref}: ${o.kind} is cluster-scoped; a template may create only namespaced objects${o.kind === 'Namespace' ? ' (the driver creates the namespace itself with --kube-pod-create-namespace)' : ': create it once, beforehand'}`,
    );
  }
  const objectNamespace = isRecord(o.metadata) ? o.metadata.namespace : undefined;
  if (objectNamespace !== undefined && objectNamespace !== namespace) {
    problems.push(`${ref}: is in namespace ${JSON.stringify(objectNamespace)}, not ${JSON.stringify(namespace)}: use {{ namespace }} or leave metadata.namespace out`);
  }
  return problems;
};

/** Problems of the one docker-host Deployment, whose first container the driver talks to. */
const dockerHostProblems = (deployment: KubeObject, ref: string): string[] => {
  const problems: string[] = [];
  if (deployment.apiVersion !== 'apps/v1') problems.push(`${ref}: apiVersion is ${JSON.stringify(deployment.apiVersion)}, use apps/v1`);
  const [first] = containersOf(deployment) ?? [];
  if (first === undefined) problems.push(`${ref}: has no containers; its first container (spec.template.spec.containers[0]) must run dockerd`);
  else if (firstContainerName(deployment) === undefined) problems.push(`${ref}: its first container (the one running dockerd) has no name`);
  return problems;
};

/**
 * Checks a rendered template against the contract the driver relies on, collecting every problem
 * into one KUBE_TEMPLATE_INVALID error: each object has apiVersion, kind and metadata.name; all are
 * namespaced and in `namespace` (or without one, which is then filled in); exactly one apps/v1
 * Deployment labelled app.kubernetes.io/component: docker-host, with at least one container.
 */
export const validateHostObjects = (objects: readonly KubeObject[], { namespace, templatePath }: HostObjectsCheck): ValidatedHostObjects => {
  const problems = objects.flatMap((o, i) => objectProblems(o, i, namespace));
  const placed = objects.map((o) => (isRecord(o) && isRecord(o.metadata) ? { ...o, metadata: { ...o.metadata, namespace } } : o));
  const [host, ...others] = placed.map((o, i) => ({ o, i })).filter(({ o }) => isRecord(o) && isRecord(o.metadata) && isDockerHost(o));
  const hostLabel = `${KUBE_LABELS.component}: ${DOCKER_HOST_COMPONENT}`;
  if (host === undefined) problems.push(`no Deployment is labelled ${hostLabel} (in metadata.labels): the driver runs Docker in the first container of that Deployment`);
  else if (others.length > 0) problems.push(`${others.length + 1} Deployments are labelled ${hostLabel} (${[host, ...others].map(({ o, i }) => refOf(o, i)).join(', ')}): keep exactly one`);
  else problems.push(...dockerHostProblems(host.o, refOf(host.o, host.i)));
  const dockerContainer = host && firstContainerName(host.o);
  if (problems.length > 0 || host === undefined || dockerContainer === undefined) throw templateInvalid(templatePath, problems);
  return { objects: placed, deployment: host.o, dockerContainer };
};
