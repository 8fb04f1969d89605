import { describe, expect, it } from 'vitest';
import { scaleRequest } from './kube-scale.js';

describe('scaleRequest', () => {
  it('should patch the scale subresource of the Deployment at the in-cluster API address', () => {
    const r = scaleRequest({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, { namespace: 'ns1', name: 'host-abc' }, 0, 'tok\n');
    expect(r.url.href).toBe('https://10.96.0.1/apis/apps/v1/namespaces/ns1/deployments/host-abc/scale?fieldManager=preevy-agent');
    expect(JSON.parse(r.body)).toEqual({ spec: { replicas: 0 } });
    expect(r.headers).toMatchObject({ authorization: 'Bearer tok', 'content-type': 'application/merge-patch+json' });
  });

  it('should bracket an IPv6 service address and keep a non-default port', () => {
    expect(scaleRequest({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, { namespace: 'n', name: 'd' }, 1, 't').url.host).toBe('[fd00::1]:6443');
  });

  it('should fail with what is missing when the service address is not set', () => {
    expect(() => scaleRequest({}, { namespace: 'n', name: 'd' }, 0, 't')).toThrow(/KUBERNETES_SERVICE_HOST/);
  });
});
