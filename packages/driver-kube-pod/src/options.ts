import type { DriverOptionDescriptor } from '@preevy/core';

// A light entry (no @kubernetes/client-node): the CLI builds its flags from these descriptors
// without paying for the Kubernetes client.

/** The kube-pod driver's options, as resolved by core (default < profile < x-preevy < env < flag). */
export interface KubePodOptions extends Record<string, unknown> {
  namespace: string;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  template?: string | undefined;
  'server-side-apply': boolean;
  'dind-image': string;
  'create-namespace': boolean;
  'service-account'?: string | undefined;
  'cluster-role'?: string | undefined;
  'storage-size'?: string | undefined;
  'storage-class'?: string | undefined;
  cpu: string;
  memory: string;
  'ready-timeout': number;
}

export const DEFAULT_DIND_IMAGE = 'docker:27-dind';

export const KUBE_POD_OPTIONS: readonly DriverOptionDescriptor[] = [
  { name: 'namespace', type: 'string', env: 'PREEVY_KUBE_POD_NAMESPACE', default: 'default', description: 'Namespace of the docker-host objects.' },
  { name: 'kubeconfig', type: 'string', env: 'KUBECONFIG', path: true, description: 'Kubeconfig file (default: ~/.kube/config, or in-cluster).' },
  { name: 'context', type: 'string', env: 'PREEVY_KUBE_POD_CONTEXT', description: "Kubeconfig context (default: the file's current context)." },
  { name: 'template', type: 'string', env: 'PREEVY_KUBE_POD_TEMPLATE', path: true, description: 'Nunjucks template of the docker-host objects (default: the shipped templates/kube-pod/default.yaml.njk).' },
  { name: 'server-side-apply', type: 'boolean', env: 'PREEVY_KUBE_POD_SERVER_SIDE_APPLY', default: true, description: 'Apply with server-side apply (field manager preevy); false: create, else patch.' },
  { name: 'dind-image', type: 'string', env: 'PREEVY_KUBE_POD_DIND_IMAGE', default: DEFAULT_DIND_IMAGE, description: 'Docker-in-Docker image of the host.' },
  { name: 'create-namespace', type: 'boolean', env: 'PREEVY_KUBE_POD_CREATE_NAMESPACE', default: false, description: 'Create the namespace when it does not exist.' },
  { name: 'service-account', type: 'string', env: 'PREEVY_KUBE_POD_SERVICE_ACCOUNT', description: "Service account of the host's pod (default: the namespace's default)." },
  { name: 'cluster-role', type: 'string', env: 'PREEVY_KUBE_POD_CLUSTER_ROLE', description: "A ClusterRole bound (by a RoleBinding made and removed with the host) to the host's service account in its namespace; the pod then gets its token." },
  { name: 'storage-size', type: 'string', env: 'PREEVY_KUBE_POD_STORAGE_SIZE', description: 'Size of a PersistentVolumeClaim for /var/lib/docker, e.g. 20Gi (empty: an emptyDir).' },
  { name: 'storage-class', type: 'string', env: 'PREEVY_KUBE_POD_STORAGE_CLASS', description: 'Storage class of that claim (empty: the cluster default).' },
  { name: 'cpu', type: 'string', env: 'PREEVY_KUBE_POD_CPU', default: '250m', description: 'CPU request of the host (a Kubernetes quantity).' },
  { name: 'memory', type: 'string', env: 'PREEVY_KUBE_POD_MEMORY', default: '512Mi', description: 'Memory request of the host (a Kubernetes quantity).' },
  { name: 'ready-timeout', type: 'number', env: 'PREEVY_KUBE_POD_READY_TIMEOUT', default: 300, description: 'Seconds to wait until the host is Available and dockerd answers.' },
];
