import { KubeConfig } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';

export interface KubeConfigSource {
  /** A kubeconfig file; without it, the default chain (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig?: string;
  /** A context of that file; without it, its current context. */
  context?: string;
}

/** Loads a kubeconfig and selects its context, or says which file or context is wrong. */
export const loadKubeConfig = ({ kubeconfig, context }: KubeConfigSource = {}): KubeConfig => {
  const kc = new KubeConfig();
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
