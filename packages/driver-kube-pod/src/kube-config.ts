import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';

/** How long one API request may take; the client sets no deadline of its own. */
export const API_REQUEST_TIMEOUT_MS = 30_000;

/**
 * A KubeConfig whose every API request carries a deadline: without one, an API server behind a
 * dropped VPN or a black-holed address hangs a command until the OS gives up, minutes later.
 * Port-forwards and exec (websockets) do not pass here; they have their own timeouts.
 */
class DeadlineKubeConfig extends KubeConfig {
  constructor(private readonly requestTimeoutMs: number) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.requestTimeoutMs));
  }
}

export interface KubeConfigSource {
  /** A kubeconfig file; without it, the default chain (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig?: string;
  /** A context of that file; without it, its current context. */
  context?: string;
  requestTimeoutMs?: number;
}

/** Loads a kubeconfig and selects its context, or says which file or context is wrong. */
export const loadKubeConfig = ({ kubeconfig, context, requestTimeoutMs = API_REQUEST_TIMEOUT_MS }: KubeConfigSource = {}): KubeConfig => {
  const kc = new DeadlineKubeConfig(requestTimeoutMs);
  const where = kubeconfig ?? 'the default kubeconfig';
  try {
    if (kubeconfig === undefined) kc.loadFromDefault();
    else kc.loadFromFile(kubeconfig);
  } catch (cause) {
    throw new PreevyError(`Cannot load ${where}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      code: 'KUBECONFIG_INVALID',
      kind: 'invalid-input',
      suggestions: ['Point --kubeconfig (or KUBECONFIG) at a readable kubeconfig file.'],
      cause,
    });
  }
  if (context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) {
      throw new PreevyError(`Context "${context}" is not in ${where}`, {
        code: 'KUBE_CONTEXT_NOT_FOUND',
        kind: 'not-found',
        suggestions: [names.length > 0 ? `Use one of: ${names.join(', ')}.` : 'The file defines no contexts: add one (kubectl config set-context).'],
      });
    }
    kc.setCurrentContext(context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new PreevyError(`${where} selects no cluster (current context: "${kc.getCurrentContext()}")`, {
      code: 'KUBECONFIG_NO_CLUSTER',
      kind: 'invalid-input',
      suggestions: ['Choose a context that names a cluster (kubectl config use-context NAME).'],
    });
  }
  return kc;
};
