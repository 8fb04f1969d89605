import { ApiException } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';
import { describe, expect, it } from 'vitest';
import { kubeError } from './kube-errors.js';

const apiError = (code: number, body: unknown) => new ApiException(code, `HTTP-Code: ${code}`, body, {});

describe('kubeError', () => {
  it('should keep the API server\'s message and map the status to a kind', () => {
    const body = JSON.stringify({ kind: 'Status', message: 'deployments.apps "dind" not found', reason: 'NotFound', code: 404 });
    const err = kubeError(apiError(404, body), 'reading deployment ns/dind');
    expect(err).toMatchObject({ code: 'KUBE_API_404', kind: 'not-found' });
    expect(err.message).toBe('Kubernetes refused reading deployment ns/dind: deployments.apps "dind" not found');
  });

  it('should point at credentials on 401 and 403, and at the server on 5xx', () => {
    const forbidden = kubeError(apiError(403, { message: 'forbidden' }), 'x');
    expect(forbidden.kind).toBe('invalid-input');
    expect(forbidden.suggestions.join()).toContain('RBAC');
    const overloaded = kubeError(apiError(503, 'overloaded'), 'x');
    expect([overloaded.kind, overloaded.message]).toEqual(['unavailable', 'Kubernetes refused x: overloaded']);
    const conflict = kubeError(apiError(409, '{}'), 'x');
    expect([conflict.kind, conflict.message]).toEqual(['conflict', 'Kubernetes refused x: HTTP 409']);
  });

  it('should call a refused or unresolvable connection unreachable, also when wrapped', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
    expect(kubeError(refused, 'x')).toMatchObject({ code: 'KUBE_UNREACHABLE', kind: 'unavailable' });
    expect(kubeError(new Error('request failed', { cause: Object.assign(new Error('dns'), { code: 'ENOTFOUND' }) }), 'x').code).toBe('KUBE_UNREACHABLE');
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
});
