import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { PreevyError, type ErrorKind } from '@preevy/core';

const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Node's TLS verification codes: the kubeconfig's CA or server name does not match the server. */
const TLS_ERRNOS = /^(?:DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)$/;

const KIND_BY_STATUS: Readonly<Record<number, ErrorKind>> = {
  400: 'invalid-input',
  401: 'invalid-input',
  403: 'invalid-input',
  404: 'not-found',
  409: 'conflict',
  422: 'invalid-input',
};

/** Where the minimal RBAC for the driver is written down. */
const PERMISSIONS_DOC = 'the minimal Role in the kube-pod driver README (packages/driver-kube-pod/README.md, "Permissions")';

/** The parts of a `Status` body the translation reads. */
export interface ApiStatus {
  message?: string;
  reason?: string;
  details?: { kind?: string; name?: string; group?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** The API server's `Status` body (a JSON string or an object); a plain-text body becomes its message. */
export const apiStatusOf = (body: unknown): ApiStatus | undefined => {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return body.trim() ? { message: body.trim() } : undefined;
    }
  }
  return parsed !== null && typeof parsed === 'object' ? (parsed) : undefined;
};

/** The message of an Error, or of the ErrorEvent `ws` rejects with (not an Error: `String()` gives "[object Object]"). */
export const messageOf = (err: unknown): string => {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
};

/** How `ws` reports a refused WebSocket upgrade (exec, attach, port-forward): the body is not kept. */
const UPGRADE_REFUSED = /Unexpected server response: (\d{3})/;

/** What an RBAC denial says is missing. */
export interface MissingPermission {
  user: string;
  verb: string;
  /** The resource with its subresource, as RBAC rules name it: `deployments`, `pods/portforward`. */
  resource: string;
  /** "" for the core group. */
  group: string;
  /** Undefined at the cluster scope. */
  namespace?: string | undefined;
}

const FORBIDDEN_RESOURCE = /User "([^"]*)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]*)")?/;

/**
 * Reads the authorizer's sentence, e.g. `deployments.apps is forbidden: User "x" cannot create
 * resource "deployments" in API group "apps" in the namespace "ns"`. Undefined for other 403s
 * (admission, quota), whose message is kept as it is.
 */
export const parseForbidden = (message: string): MissingPermission | undefined => {
  const m = FORBIDDEN_RESOURCE.exec(message);
  if (!m) return undefined;
  const [, user = '', verb = '', resource = '', group = '', namespace] = m;
  return { user, verb, resource, group, namespace };
};

/** `create deployments`, `create pods/portforward`: how the report names a permission. */
export const permissionName = ({ verb, resource }: Pick<MissingPermission, 'verb' | 'resource'>): string => `${verb} ${resource}`;

/** `kubectl auth can-i` for a missing permission, so the user can check a fix. */
const canICommand = ({ verb, resource, group, namespace }: MissingPermission): string => {
  const [name = resource, subresource] = resource.split('/');
  return [
    `kubectl auth can-i ${verb} ${group ? `${name}.${group}` : name}`,
    ...(subresource ? [`--subresource=${subresource}`] : []),
    ...(namespace ? [`-n ${namespace}`] : []),
  ].join(' ');
};

/** A field another manager owns, from a server-side apply conflict. */
export interface FieldConflict {
  field: string;
  manager: string;
}

/** The fields and their managers of a server-side apply 409 (`status.details.causes`). */
export const fieldConflicts = (status: ApiStatus | undefined): FieldConflict[] =>
  (status?.details?.causes ?? [])
    .filter((c) => c.reason === 'FieldManagerConflict')
    .map((c) => ({ field: c.field ?? '(unknown field)', manager: /conflict with "([^"]*)"/.exec(c.message ?? '')?.[1] ?? c.message ?? '(unknown manager)' }));

export interface KubeErrorContext {
  /** The API server's URL, named when it does not answer. */
  server?: string | undefined;
  /** The permission the request needs (`create pods/portforward`), named on a 403 whose body is lost (WebSocket upgrades). */
  needs?: string | undefined;
}

/** The URL of the kubeconfig's current cluster, for KubeErrorContext. */
export const apiServerOf = (kc: KubeConfig): string | undefined => kc.getCurrentCluster()?.server;

/** The driver's namespace does not exist; the user creates it, or lets preevy do it. */
export const namespaceMissingError = (namespace: string, { action, cause }: { action?: string; cause?: unknown } = {}): PreevyError =>
  new PreevyError(`Namespace "${namespace}" does not exist${action ? ` (while ${action})` : ''}`, {
    code: 'KUBE_NAMESPACE_MISSING',
    kind: 'not-found',
    suggestions: [`Create it (kubectl create namespace ${namespace}), or let preevy create it: --kube-pod-create-namespace (PREEVY_KUBE_POD_CREATE_NAMESPACE=true).`],
    cause,
  });

const forbiddenError = (status: ApiStatus | undefined, action: string, { needs }: KubeErrorContext, cause: unknown): PreevyError => {
  const message = status?.message;
  const missing = message === undefined ? undefined : parseForbidden(message);
  if (missing) {
    const where = missing.namespace === undefined ? 'at the cluster scope' : `in namespace "${missing.namespace}"`;
    return new PreevyError(`Kubernetes refused ${action}: "${missing.user}" may not \`${permissionName(missing)}\` ${where}`, {
      code: 'KUBE_API_403',
      kind: 'invalid-input',
      suggestions: [`Grant \`${permissionName(missing)}\`${missing.group ? ` (API group ${missing.group})` : ''} ${where}: see ${PERMISSIONS_DOC}.`, `Check it with: ${canICommand(missing)}`],
      cause,
    });
  }
  return new PreevyError(`Kubernetes refused ${action}: ${message ?? (needs ? `forbidden (it needs \`${needs}\`)` : 'HTTP 403 (forbidden)')}`, {
    code: 'KUBE_API_403',
    kind: 'invalid-input',
    suggestions: [`Check the kubeconfig user's permissions (kubectl auth can-i --list) against ${PERMISSIONS_DOC}.`],
    cause,
  });
};

const statusError = (code: number, status: ApiStatus | undefined, action: string, context: KubeErrorContext, cause: unknown): PreevyError => {
  if (code === 403) return forbiddenError(status, action, context, cause);
  if (code === 401) {
    return new PreevyError(`Kubernetes rejected the kubeconfig's credentials while ${action} (401 Unauthorized)`, {
      code: 'KUBE_API_401',
      kind: 'invalid-input',
      suggestions: [
        "The user's token or client certificate is missing, invalid or expired: refresh it (e.g. your cloud's get-credentials command), or choose another context.",
        'Check with: kubectl auth whoami',
      ],
      cause,
    });
  }
  if (code === 404 && status?.details?.kind === 'namespaces') return namespaceMissingError(status.details.name ?? '(unknown)', { action, cause });
  const conflicts = code === 409 ? fieldConflicts(status) : [];
  if (conflicts.length > 0) {
    const fields = conflicts.map((c) => `${c.field} (managed by "${c.manager}")`).join(', ');
    return new PreevyError(`Kubernetes refused ${action}: another field manager owns ${fields}`, {
      code: 'KUBE_APPLY_CONFLICT',
      kind: 'conflict',
      suggestions: [
        'Someone changed these fields outside preevy (kubectl edit, scale, another tool): undo that change, or remove the fields from the template.',
        'Or delete the object so preevy creates it again: preevy down, then preevy up.',
      ],
      cause,
    });
  }
  const kind = KIND_BY_STATUS[code] ?? (code >= 500 ? 'unavailable' : 'internal');
  const suggestions = code >= 500 ? ['The API server failed: retry, and check its health (kubectl get --raw /readyz).'] : [];
  return new PreevyError(`Kubernetes refused ${action}: ${status?.message ?? `HTTP ${code}`}`, { code: `KUBE_API_${code}`, kind, suggestions, cause });
};

const errnoOf = (err: unknown, known: (code: string) => boolean): string | undefined => {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && known(code)) return code;
    // node-fetch's own timeout, and the request deadline (loadKubeConfig) aborting it, carry no errno
    const type = (e as { type?: unknown }).type;
    if (type === 'request-timeout' || type === 'aborted') return 'timeout';
  }
  return undefined;
};

/**
 * Translates what `@kubernetes/client-node` throws into a PreevyError with a remedy, at the driver
 * edge. `action` says what was being done, e.g. `reading deployment preevy/dind`.
 */
export const kubeError = (err: unknown, action: string, context: KubeErrorContext = {}): PreevyError => {
  if (err instanceof PreevyError) return err;
  const unknownKind = unknownKindOf(err);
  if (unknownKind) {
    return new PreevyError(`The cluster serves no kind ${unknownKind.kind} in ${unknownKind.apiVersion} (while ${action})`, {
      code: 'KUBE_KIND_UNKNOWN',
      kind: 'invalid-input',
      suggestions: ["Check the object's apiVersion and kind in the template (kubectl api-resources lists what the cluster serves)."],
      cause: err,
    });
  }
  if (err instanceof ApiException) {
    const e = err as ApiException<unknown>;
    return statusError(e.code, apiStatusOf(e.body), action, context, err);
  }
  const upgrade = UPGRADE_REFUSED.exec(messageOf(err));
  if (upgrade) {
    const code = Number(upgrade[1]);
    return statusError(code, code === 404 ? { message: 'HTTP 404 (no such pod or namespace)' } : undefined, action, context, err);
  }
  const server = context.server ? ` ${context.server}` : '';
  const errno = errnoOf(err, (c) => NETWORK_ERRNOS.has(c));
  if (errno !== undefined) {
    return new PreevyError(`The Kubernetes API server${server} did not answer while ${action} (${errno})`, {
      code: 'KUBE_API_UNREACHABLE',
      kind: 'unavailable',
      suggestions: ['Check that the cluster is running and that the kubeconfig (and its context) points at it: kubectl cluster-info'],
      cause: err,
    });
  }
  const tls = errnoOf(err, (c) => TLS_ERRNOS.test(c));
  if (tls !== undefined) {
    return new PreevyError(`The Kubernetes API server${server} failed TLS verification while ${action} (${tls})`, {
      code: 'KUBE_API_TLS',
      kind: 'invalid-input',
      suggestions: ["Check the cluster's certificate-authority data and server name in the kubeconfig."],
      cause: err,
    });
  }
  return new PreevyError(`Kubernetes request failed while ${action}: ${messageOf(err)}`, { code: 'KUBE_REQUEST_FAILED', kind: 'internal', cause: err });
};

/**
 * KubernetesObjectApi's discovery found no such kind (a typo in the template, a missing CRD): it
 * throws a plain Error for a kind missing from a known group version, and prefixes the 404 of an
 * unknown group version.
 */
const unknownKindOf = (err: unknown): { apiVersion: string; kind: string } | undefined => {
  const message = messageOf(err);
  const m =
    /Unrecognized API version and kind: (\S+) (\S+)/.exec(message) ??
    (err instanceof ApiException && (err as ApiException<unknown>).code === 404 ? /^Failed to fetch resource metadata for (.+)\/([^/:]+):/.exec(message) : null);
  return m ? { apiVersion: m[1] ?? '', kind: m[2] ?? '' } : undefined;
};

/** True for a 404 from the API about the object itself (gone, or never there). */
export const isNotFound = (err: unknown): boolean =>
  ((err instanceof ApiException && (err as ApiException<unknown>).code === 404) || (err instanceof PreevyError && err.code === 'KUBE_API_404')) &&
  unknownKindOf(err) === undefined;
