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

/** The message of an Error, or of the ErrorEvent `ws` rejects with (not an Error: `String()` gives "[object Object]"). */
export const messageOf = (err: unknown): string => {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
};

/** How `ws` reports a refused WebSocket upgrade (exec, attach, port-forward): the body is not kept. */
const UPGRADE_REFUSED = /Unexpected server response: (\d{3})/;

const statusError = (status: number, reason: string, action: string, cause: unknown): PreevyError => {
  const kind = KIND_BY_STATUS[status] ?? (status >= 500 ? 'unavailable' : 'internal');
  const suggestions =
    status === 401 || status === 403
      ? ['Check the kubeconfig user and its RBAC permissions (kubectl auth can-i).']
      : status >= 500
        ? ['The API server failed: retry, and check its health (kubectl get --raw /readyz).']
        : [];
  return new PreevyError(`Kubernetes refused ${action}: ${reason}`, { code: `KUBE_API_${status}`, kind, suggestions, cause });
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
    return statusError(status, statusMessage((err as ApiException<unknown>).body) ?? `HTTP ${status}`, action, err);
  }
  const upgrade = UPGRADE_REFUSED.exec(messageOf(err));
  if (upgrade) {
    const status = Number(upgrade[1]);
    return statusError(status, status === 404 ? 'HTTP 404 (no such pod or namespace)' : `HTTP ${status}`, action, err);
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
  return new PreevyError(`Kubernetes request failed while ${action}: ${messageOf(err)}`, { code: 'KUBE_REQUEST_FAILED', kind: 'internal', cause: err });
};
