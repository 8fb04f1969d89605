import { AGENT_SERVICE, type EnvInfo, type TunnelAccess } from '@preevy/tunnel-protocol';
import { AGENT_KEY_ENV, AGENT_KEY_SECRET, agentService, type TunnelEndpoint } from './agent-service.js';
import type { ServiceLabels } from './service-settings.js';

export interface TransformInput {
  raw: Record<string, unknown>;
  envId: string;
  project: string;
  labels: Record<string, string>;
  agentImage: string;
  tunnel: TunnelEndpoint;
  defaultAccess: TunnelAccess;
  /** Per-service labels from x-preevy's service settings (`serviceSettingLabels`), which the agent reads. */
  serviceLabels?: ServiceLabels;
  /** What the agent tells the tunnel server's index page about the code (CI branch, pull request, commit). */
  envInfo?: EnvInfo;
}

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * The project as deployed: every service, network and volume labelled as this environment's (so
 * `down` and `ls` find them by label), the agent service and its key secret added. Pure.
 */
export const transformModel = ({ raw, envId, project, labels, agentImage, tunnel, defaultAccess, serviceLabels = {}, envInfo }: TransformInput): Record<string, unknown> => {
  const services = Object.fromEntries(
    Object.entries(record(raw.services)).map(([name, svc]) => {
      const s = record(svc);
      return [name, { ...s, labels: { ...record(s.labels), ...labels, ...serviceLabels[name] } }];
    }),
  );
  const original = typeof raw.name === 'string' ? raw.name : undefined;
  const labelAll = (section: unknown): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(record(section)).map(([key, def]) => {
        const d = record(def);
        // An external network or volume is not ours to label (compose refuses labels on them).
        if (d.external) return [key, d];
        // `config` spells out the default name (`<project>_<key>`); dropped, compose derives it from
        // the environment's project, so two environments of one project never share a network.
        const { name, ...rest } = d;
        const keep = name !== undefined && name !== `${original}_${key}` ? { name } : {};
        return [key, { ...rest, ...keep, labels: { ...record(d.labels), ...labels } }];
      }),
    );
  const networks = labelAll(raw.networks);
  return {
    ...raw,
    name: project,
    services: {
      ...services,
      [AGENT_SERVICE]: agentService({ image: agentImage, envId, project, tunnel, defaultAccess, labels, networks: Object.keys(networks), ...(envInfo ? { envInfo } : {}) }),
    },
    networks,
    volumes: labelAll(raw.volumes),
    secrets: { ...record(raw.secrets), [AGENT_KEY_SECRET]: { environment: AGENT_KEY_ENV } },
  };
};
