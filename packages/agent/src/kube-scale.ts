import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';

/** Where Kubernetes mounts a pod's service-account credentials (bind-mounted into the agent at the same path). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface DeploymentRef {
  namespace: string;
  name: string;
}

export interface ScaleRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/**
 * The one call the agent makes to the Kubernetes API: a merge patch of the Deployment's scale
 * subresource (what the per-host Role allows, and nothing else). Pure.
 */
export const scaleRequest = (env: NodeJS.ProcessEnv, ref: DeploymentRef, replicas: number, token: string): ScaleRequest => {
  const host = env.KUBERNETES_SERVICE_HOST?.trim();
  const port = env.KUBERNETES_SERVICE_PORT?.trim() || '443';
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: the agent cannot reach the Kubernetes API');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const url = new URL(`https://${hostPart}:${port}/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/deployments/${encodeURIComponent(ref.name)}/scale`);
  url.searchParams.set('fieldManager', 'preevy-agent');
  const body = JSON.stringify({ spec: { replicas } });
  return { url, body, headers: { authorization: `Bearer ${token.trim()}`, 'content-type': 'application/merge-patch+json', accept: 'application/json', 'content-length': String(Buffer.byteLength(body)) } };
};

/**
 * Scales the Deployment with the pod's own service-account token, verified against the cluster CA.
 * node:https rather than @kubernetes/client-node: one PATCH does not justify ~80 MB in the agent image.
 */
export const scaleDeployment = async (ref: DeploymentRef, replicas: number, { env = process.env, dir = SERVICE_ACCOUNT_DIR, timeoutMs = 15_000 } = {}): Promise<void> => {
  const [token, ca] = await Promise.all([readFile(join(dir, 'token'), 'utf8'), readFile(join(dir, 'ca.crt'))]);
  const req = scaleRequest(env, ref, replicas, token);
  await new Promise<void>((resolve, reject) => {
    const r = request(req.url, { method: 'PATCH', headers: req.headers, ca, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) return resolve();
        const text = Buffer.concat(chunks).toString('utf8');
        let message = text.slice(0, 300);
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? message;
        } catch {
          // not a Status object: keep the text
        }
        reject(new Error(`scaling deployment ${ref.namespace}/${ref.name} to ${replicas}: HTTP ${res.statusCode}: ${message}`));
      });
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`scaling deployment ${ref.namespace}/${ref.name}: no answer within ${timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
};
