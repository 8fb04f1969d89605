import { ApiException } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';
import { describe, expect, it } from 'vitest';
import { fieldConflicts, kubeError, parseForbidden } from './kube-errors.js';

const apiError = (code: number, body: unknown) => new ApiException(code, `HTTP-Code: ${code}`, body, {});

describe('kubeError', () => {
  it('should keep the API server\'s message and map the status to a kind', () => {
    const body = JSON.stringify({ kind: 'Status', message: 'deployments.apps "dind" not found', reason: 'NotFound', code: 404 });
    const err = kubeError(apiError(404, body), 'reading deployment ns/dind');
    expect(err).toMatchObject({ code: 'KUBE_API_404', kind: 'not-found' });
    expect(err.message).toBe('Kubernetes refused reading deployment ns/dind: deployments.apps "dind" not found');
  });

  it('should point at permissions on an unparsed 403, and at the server on 5xx', () => {
    const forbidden = kubeError(apiError(403, { message: 'forbidden' }), 'x');
    expect([forbidden.kind, forbidden.message]).toEqual(['invalid-input', 'Kubernetes refused x: forbidden']);
    expect(forbidden.suggestions.join()).toContain('Permissions');
    const overloaded = kubeError(apiError(503, 'overloaded'), 'x');
    expect([overloaded.kind, overloaded.message]).toEqual(['unavailable', 'Kubernetes refused x: overloaded']);
    const conflict = kubeError(apiError(409, '{}'), 'x');
    expect([conflict.kind, conflict.message]).toEqual(['conflict', 'Kubernetes refused x: HTTP 409']);
  });

  it('should call a refused or unresolvable connection unreachable, also when wrapped', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
    expect(kubeError(refused, 'x')).toMatchObject({ code: 'KUBE_API_UNREACHABLE', kind: 'unavailable' });
    expect(kubeError(new Error('request failed', { cause: Object.assign(new Error('dns'), { code: 'ENOTFOUND' }) }), 'x').code).toBe('KUBE_API_UNREACHABLE');
  });

  it('should read the status of a refused WebSocket upgrade (exec, port-forward), which ws reports as an ErrorEvent', () => {
    const event = { type: 'error', message: 'Unexpected server response: 404', error: new Error('Unexpected server response: 404') };
    expect(kubeError(event, 'exec in ns/p/c')).toMatchObject({
      code: 'KUBE_API_404',
      kind: 'not-found',
      message: 'Kubernetes refused exec in ns/p/c: HTTP 404 (no such pod or namespace)',
    });
    expect(kubeError({ message: 'Unexpected server response: 403' }, 'x').kind).toBe('invalid-input');
    expect(kubeError({ message: 'socket hang up' }, 'x').message).toBe('Kubernetes request failed while x: socket hang up');
  });

  it('should pass a PreevyError through and wrap anything else as internal', () => {
    const own = new PreevyError('mine', { code: 'MINE', kind: 'conflict' });
    expect(kubeError(own, 'x')).toBe(own);
    expect(kubeError(new Error('boom'), 'listing pods')).toMatchObject({ code: 'KUBE_REQUEST_FAILED', kind: 'internal', message: 'Kubernetes request failed while listing pods: boom' });
  });

  it('should name the server that does not answer, and a request timeout', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
    expect(kubeError(refused, 'listing pods', { server: 'https://10.0.0.1:6443' }).message).toBe(
      'The Kubernetes API server https://10.0.0.1:6443 did not answer while listing pods (ECONNREFUSED)',
    );
    const timeout = Object.assign(new Error('network timeout at: https://k/api'), { type: 'request-timeout' });
    expect(kubeError(timeout, 'x', { server: 'https://k' })).toMatchObject({ code: 'KUBE_API_UNREACHABLE', message: 'The Kubernetes API server https://k did not answer while x (timeout)' });
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(kubeError(tls, 'x')).toMatchObject({ code: 'KUBE_API_TLS', kind: 'invalid-input' });
  });

  it('should say which credentials failed on 401 (the typed APIs drop the body)', () => {
    const err = kubeError(new ApiException(401, 'Unauthorized', undefined, {}), 'reading deployment ns/d');
    expect(err).toMatchObject({ code: 'KUBE_API_401', kind: 'invalid-input', message: "Kubernetes rejected the kubeconfig's credentials while reading deployment ns/d (401 Unauthorized)" });
    expect(err.suggestions.join()).toContain('expired');
  });

  it('should call a 404 on the namespace itself KUBE_NAMESPACE_MISSING and point at --kube-pod-create-namespace', () => {
    const body = JSON.stringify({ kind: 'Status', status: 'Failure', message: 'namespaces "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'namespaces' }, code: 404 });
    const err = kubeError(apiError(404, body), 'applying ConfigMap nope/cm');
    expect(err).toMatchObject({ code: 'KUBE_NAMESPACE_MISSING', kind: 'not-found', message: 'Namespace "nope" does not exist (while applying ConfigMap nope/cm)' });
    expect(err.suggestions.join()).toContain('--kube-pod-create-namespace');
    // a missing object in it stays a plain 404
    expect(kubeError(apiError(404, JSON.stringify({ message: 'configmaps "cm" not found', details: { name: 'cm', kind: 'configmaps' } })), 'x').code).toBe('KUBE_API_404');
  });
});

// Status bodies as the v1.30 API server of the test cluster sent them.
const forbidden = (message: string, details: object) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });

describe('parseForbidden', () => {
  it('should read verb, resource, group and namespace of an RBAC denial', () => {
    expect(parseForbidden('deployments.apps is forbidden: User "system:serviceaccount:ns:lim" cannot create resource "deployments" in API group "apps" in the namespace "ns"')).toEqual({
      user: 'system:serviceaccount:ns:lim',
      verb: 'create',
      resource: 'deployments',
      group: 'apps',
      namespace: 'ns',
    });
  });

  it('should keep the subresource, the core group and the cluster scope', () => {
    expect(parseForbidden('pods "x" is forbidden: User "alice" cannot create resource "pods/portforward" in API group "" in the namespace "ns"')).toMatchObject({
      verb: 'create',
      resource: 'pods/portforward',
      group: '',
      namespace: 'ns',
    });
    expect(parseForbidden('namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope')).toEqual({
      user: 'alice',
      verb: 'list',
      resource: 'namespaces',
      group: '',
      namespace: undefined,
    });
  });

  it('should leave a 403 that is not RBAC alone (admission, quota)', () => {
    expect(parseForbidden('pods "x" is forbidden: exceeded quota: q, requested: cpu=1, used: cpu=2, limited: cpu=2')).toBeUndefined();
  });
});

describe('kubeError on 403', () => {
  it('should name the missing permission as `verb resource` and how to check it', () => {
    const body = forbidden('deployments.apps is forbidden: User "system:serviceaccount:ns:lim" cannot create resource "deployments" in API group "apps" in the namespace "ns"', { group: 'apps', kind: 'deployments' });
    const err = kubeError(apiError(403, body), 'applying Deployment ns/host');
    expect(err).toMatchObject({
      code: 'KUBE_API_403',
      kind: 'invalid-input',
      message: 'Kubernetes refused applying Deployment ns/host: "system:serviceaccount:ns:lim" may not `create deployments` in namespace "ns"',
    });
    expect(err.suggestions).toEqual([
      'Grant `create deployments` (API group apps) in namespace "ns": see the minimal Role in the kube-pod driver README (packages/driver-kube-pod/README.md, "Permissions").',
      'Check it with: kubectl auth can-i create deployments.apps -n ns',
    ]);
  });

  it('should give the subresource to kubectl auth can-i', () => {
    const body = forbidden('pods "x" is forbidden: User "u" cannot create resource "pods/portforward" in API group "" in the namespace "ns"', { name: 'x', kind: 'pods' });
    const err = kubeError(apiError(403, body), 'port-forwarding');
    expect(err.message).toContain('`create pods/portforward`');
    expect(err.suggestions[1]).toBe('Check it with: kubectl auth can-i create pods --subresource=portforward -n ns');
  });

  it('should name what a refused WebSocket upgrade needed, since ws drops the body', () => {
    const err = kubeError({ message: 'Unexpected server response: 403' }, 'port-forwarding to ns/p:2375', { needs: 'create pods/portforward' });
    expect(err).toMatchObject({ code: 'KUBE_API_403', message: 'Kubernetes refused port-forwarding to ns/p:2375: forbidden (it needs `create pods/portforward`)' });
  });
});

describe('server-side apply conflicts', () => {
  const body = JSON.stringify({
    kind: 'Status',
    status: 'Failure',
    message: 'Apply failed with 2 conflicts: conflict with "kubectl-edit" using apps/v1: .spec.replicas; conflict with "kubectl-create" using v1: .data.a',
    reason: 'Conflict',
    details: {
      causes: [
        { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using apps/v1', field: '.spec.replicas' },
        { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-create" using v1', field: '.data.a' },
      ],
    },
    code: 409,
  });

  it('should list each field with its manager', () => {
    expect(fieldConflicts(JSON.parse(body) as object)).toEqual([
      { field: '.spec.replicas', manager: 'kubectl-edit' },
      { field: '.data.a', manager: 'kubectl-create' },
    ]);
  });

  it('should report KUBE_APPLY_CONFLICT naming the fields and the other managers', () => {
    expect(kubeError(apiError(409, body), 'applying Deployment ns/host')).toMatchObject({
      code: 'KUBE_APPLY_CONFLICT',
      kind: 'conflict',
      message: 'Kubernetes refused applying Deployment ns/host: another field manager owns .spec.replicas (managed by "kubectl-edit"), .data.a (managed by "kubectl-create")',
    });
    // AlreadyExists and other 409s stay KUBE_API_409
    expect(kubeError(apiError(409, JSON.stringify({ reason: 'AlreadyExists', message: 'configmaps "cm" already exists' })), 'x').code).toBe('KUBE_API_409');
  });
});
