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

