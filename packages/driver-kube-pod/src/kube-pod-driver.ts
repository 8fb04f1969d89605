import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY, PreevyError, remoteAgentReaches, type DockerHost, type DockerHostDriver, type DriverFactory, type TunnelAddress } from '@preevy/core';
import { applyObjects } from './apply-objects.js';
import { deleteEnvironmentObjects, pruneEnvironmentObjects, type ObjectKind } from './delete-objects.js';
import { ensureNamespace } from './ensure-namespace.js';
import { connectToHost, findReadyPod } from './host-connection.js';
import { loadKubeConfig } from './kube-config.js';
import { markLastUp } from './mark-last-up.js';
import { KUBE_ANNOTATIONS, KUBE_LABELS, labelSelector } from './kube-labels.js';
import { listHostDeployments, type HostDeployment } from './list-host-deployments.js';
import { KUBE_POD_OPTIONS, type KubePodOptions } from './options.js';
import { hostSelfStop, resumeHost } from './host-scale.js';
import { hostId, renderHostTemplate, validateHostObjects } from './template/index.js';
import { waitForHost } from './wait-host-ready.js';

/** What the env record keeps of a kube-pod host: enough for `connect` and `down` from any machine. */
export interface KubePodHostState extends Record<string, unknown> {
  profileId: string;
  namespace: string;
  hostId: string;
  deployment: string;
  /** Label selector of the docker host's pods (the Deployment's own selector). */
  selector: string;
  /** Every kind the template had, so `down` deletes each (by the env's labels). */
  kinds: ObjectKind[];
  /** The workspace agent scales the Deployment to zero once idle (its first container runs dockerd, for the exec that reads the API address). */
  idleScaleDown?: { container: string } | undefined;
}

const envLabels = (profileId: string, envId?: string): Record<string, string> => ({
  [LABELS.managedBy]: MANAGED_BY,
  [LABELS.profile]: profileId,
  ...(envId ? { [LABELS.envId]: envId } : {}),
});
const hostsSelector = (profileId: string, envId?: string): string => labelSelector(envLabels(profileId, envId));

const stateOf = (host: DockerHost): KubePodHostState => {
  const s = host.state as Partial<KubePodHostState>;
  if (typeof s.namespace !== 'string' || typeof s.deployment !== 'string' || typeof s.selector !== 'string' || !Array.isArray(s.kinds)) {
    throw new PreevyError(`The record of ${host.envId} does not describe a kube-pod host`, {
      code: 'KUBE_HOST_RECORD_INVALID',
      kind: 'internal',
      suggestions: [`Run \`preevy down --id ${host.envId}\`: the host is found by its labels.`],
    });
  }
  return s as KubePodHostState;
};

/** The kinds a listed Deployment's annotation recorded; without it, the default template's. */
const kindsOf = (annotations: Readonly<Record<string, string>>): ObjectKind[] => {
  try {
    const parsed = JSON.parse(annotations[KUBE_ANNOTATIONS.kinds] ?? '') as unknown;
    if (Array.isArray(parsed) && parsed.every((k: Partial<ObjectKind> | null) => typeof k?.apiVersion === 'string' && typeof k.kind === 'string')) return parsed as ObjectKind[];
  } catch {
    // fall through
  }
  return [
    { apiVersion: 'apps/v1', kind: 'Deployment' },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  ];
};

const listedState = (h: HostDeployment): KubePodHostState => ({
  profileId: h.profileId,
  namespace: h.namespace,
  hostId: h.hostId ?? h.name,
  deployment: h.name,
  selector: h.selector,
  kinds: kindsOf(h.annotations),
});

/**
 * The kube-pod driver: one Docker-in-Docker Deployment per environment, rendered from a template,
 * reached through a port-forward to dockerd on the pod's loopback.
 */
export const createKubePodDriver = (
  options: KubePodOptions,
  load: () => KubeConfig = () => loadKubeConfig({ ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}), ...(options.context ? { context: options.context } : {}) }),
  now: () => Date = () => new Date(),
): DockerHostDriver => {
  let kc: KubeConfig | undefined;
  const kubeConfig = (): KubeConfig => (kc ??= load());
  const { namespace } = options;
  const timeoutMs = options['ready-timeout'] * 1000;
  const hostOf = (envId: string, state: KubePodHostState): DockerHost => ({ driver: 'kube-pod', envId, state });
  const listed = (labelSelectorText: string) => listHostDeployments(kubeConfig(), { namespace, labelSelector: labelSelectorText });

  return {
    name: 'kube-pod',
    hostPerEnvironment: true,
    agentReaches(address: TunnelAddress) {
      return remoteAgentReaches(address, 'a pod');
    },

    async ensureHost({ envId, profileId, labels, progress, previous, signal, idleSelfStop }) {
      const config = kubeConfig();
      // The same host id as before, so the same objects are updated: from the record, else from the cluster.
      const listedPrior = previous ? undefined : (await listed(hostsSelector(profileId, envId)))[0];
      const prior = previous ? stateOf(previous) : listedPrior && listedState(listedPrior);
      const id = prior?.hostId ?? hostId(envId);
      // Only with a volume: scaling an emptyDir host to zero would lose the workspace.
      const idleScaleDown = Boolean(idleSelfStop && options['storage-size']);
      const rendered = await renderHostTemplate({ ...(options.template ? { templatePath: options.template } : {}), context: { namespace, id, labels, options, idleScaleDown } });
      const { objects, deployment } = validateHostObjects(rendered.objects, { namespace, templatePath: rendered.templatePath });
      // The kinds ride on every object, so `down` from a machine without the record deletes each of them.
      const kinds = [...new Map(objects.map((o) => [`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind }])).values()];
      await ensureNamespace(config, namespace, { create: options['create-namespace'] });
      const applied = await progress.step(`Applying the docker host ${id} in namespace ${namespace}`, () =>
        applyObjects(config, objects as KubernetesObject[], {
          namespace,
          labels,
          templateHash: rendered.hash,
          annotations: { [KUBE_ANNOTATIONS.kinds]: JSON.stringify(kinds) },
          serverSideApply: options['server-side-apply'],
          ...(signal ? { signal } : {}),
        }),
      );
      // All unchanged means the last apply was this very render, and it pruned already.
      const rerendered = prior && (prior.namespace !== namespace || applied.some((a) => a.action !== 'unchanged'));
      const pruned = rerendered
        ? await pruneEnvironmentObjects(config, {
            namespace: prior.namespace,
            labelSelector: hostsSelector(profileId, envId),
            kinds: prior.kinds,
            keep: prior.namespace === namespace ? applied : [],
            ...(signal ? { signal } : {}),
          })
        : [];
      const name = deployment.metadata.name as string;
      // An explicit up/start resumes a host its workspace agent scaled to zero (the template leaves replicas alone).
      const created = applied.some((a) => a.kind === 'Deployment' && a.name === name && a.action === 'created');
      const resumed = !created && (await resumeHost(config, { namespace, name }));
      const changed = applied.filter((a) => a.action !== 'unchanged').length + pruned.length;
      // The stamp rides beside the wait: an unchanged up pays no extra round trip for it.
      await Promise.all([
        progress.step(`Waiting for the docker host (${resumed ? 'resumed from zero, ' : ''}${changed ? `${changed} object(s) applied or removed` : 'unchanged'})`, () =>
          waitForHost(config, { namespace, deployment: name }, { timeoutMs, ...(signal ? { signal } : {}) }),
        ),
        markLastUp(config, { namespace, deployment: name, at: now() }),
      ]);
      const matchLabels = ((deployment.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels) ?? { [KUBE_LABELS.hostId]: id };
      const podSpec = (deployment.spec as { template?: { spec?: { automountServiceAccountToken?: boolean; containers?: { name?: string }[] } } } | undefined)?.template?.spec;
      // A custom template that gives the pod no token gets no scale to zero: the container's idle stop still works.
      const dockerContainer = podSpec?.containers?.[0]?.name;
      const scaleDown = idleScaleDown && podSpec?.automountServiceAccountToken !== false && dockerContainer ? { container: dockerContainer } : undefined;
      return hostOf(envId, { profileId, namespace, hostId: id, deployment: name, selector: labelSelector(matchLabels), kinds, ...(scaleDown ? { idleScaleDown: scaleDown } : {}) });
    },

    async connect(host) {
      const { namespace: ns, selector, deployment, idleScaleDown } = stateOf(host);
      const conn = await connectToHost(kubeConfig(), { namespace: ns, selector });
      if (!idleScaleDown) return conn;
      return Object.assign(conn, {
        idleSelfStop: async () => hostSelfStop(kubeConfig(), { namespace: ns, name: deployment, pod: await findReadyPod(kubeConfig(), { namespace: ns, selector }), container: idleScaleDown.container }),
      });
    },

    async removeHost(host, { signal } = {}) {
      const state = stateOf(host);
      await deleteEnvironmentObjects(kubeConfig(), {
        namespace: state.namespace,
        labelSelector: labelSelector(envLabels(state.profileId, host.envId)),
        kinds: state.kinds,
        timeoutMs,
        ...(signal ? { signal } : {}),
      });
    },

    async listHosts({ profileId }) {
      return (await listed(hostsSelector(profileId))).map((h) => {
        const lastUpAt = h.annotations[KUBE_ANNOTATIONS.lastUpAt];
        return { ...hostOf(h.envId, listedState(h)), ...(lastUpAt ? { lastUpAt } : {}) };
      });
    },

    async findHost({ profileId, envId }) {
      const [found] = await listed(hostsSelector(profileId, envId));
      return found ? hostOf(envId, listedState(found)) : undefined;
    },
  };
};

export const kubePodDriver: DriverFactory<KubePodOptions> = {
  name: 'kube-pod',
  options: KUBE_POD_OPTIONS,
  create: (options) => createKubePodDriver(options),
};
