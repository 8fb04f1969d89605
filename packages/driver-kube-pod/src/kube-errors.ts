import { ApiException } from '@kubernetes/client-node';
import { PreevyError, type ErrorKind } from '@preevy/core';

const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN']);

const KIND_BY_STATUS: Readonly<Record<number, ErrorKind>> = {
  400: 'invalid-input',
  401: 'invalid-input',
  403: 'invalid-input',
  404: 'not-found',
  409: 'conflict',
  422: 'invalid-input',
};

/** The API server's own explanation, from a `Status` body (a JSON string or an object). */
const statusMessage = (body: unknown): string | undefined => {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return body.trim() || undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
};

const errnoOf = (err: unknown): string | undefined => {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERRNOS.has(code)) return code;
  }
  return undefined;
};

/**
 * Translates what `@kubernetes/client-node` throws into a PreevyError with a remedy, at the driver
 * edge. `action` says what was being done, e.g. `reading deployment preevy/dind`.
 */
export const kubeError = (err: unknown, action: string): PreevyError => {
  if (err instanceof PreevyError) return err;
  if (err instanceof ApiException) {
    const status = (err as ApiException<unknown>).code;
    const reason = statusMessage((err as ApiException<unknown>).body) ?? `HTTP ${status}`;
    const kind = KIND_BY_STATUS[status] ?? (status >= 500 ? 'unavailable' : 'internal');
    const suggestions =
      status === 401 || status === 403
        ? ['Check the kubeconfig user and its RBAC permissions (kubectl auth can-i).']
        : status >= 500
          ? ['The API server failed: retry, and check its health (kubectl get --raw /readyz).']
          : [];
    return new PreevyError(`Kubernetes refused ${action}: ${reason}`, { code: `KUBE_API_${status}`, kind, suggestions, cause: err });
  }
  const errno = errnoOf(err);
  if (errno !== undefined) {
    return new PreevyError(`The Kubernetes API server did not answer while ${action} (${errno})`, {
      code: 'KUBE_UNREACHABLE',
      kind: 'unavailable',
      suggestions: ['Check that the cluster is running and that the kubeconfig points at it (kubectl cluster-info).'],
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PreevyError(`Kubernetes request failed while ${action}: ${message}`, { code: 'KUBE_REQUEST_FAILED', kind: 'internal', cause: err });
};
