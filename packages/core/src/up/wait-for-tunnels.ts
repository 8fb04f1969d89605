import { AGENT_SERVICE, serviceTunnels, type AgentState, type TunnelAccess } from '@preevy/tunnel-protocol';
import { publicationOf } from '../compose/base-uri-env.js';
import type { ComposeModel } from '../compose/compose-model.js';
import type { XPreevy } from '../compose/x-preevy-schema.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { AgentStateReading } from './agent-state-reader.js';
import { serviceSettingLabels, withServiceLabels, type ServiceLabels } from './service-settings.js';
import type { UpContext, UpTarget } from './up-context.js';

export type ExpectedTunnel = { service: string; port: number; access: TunnelAccess };

/** The access rules of x-preevy: the project's default, and its service settings as the labels the agent reads. */
export const accessRules = (config: XPreevy): { defaultAccess: TunnelAccess; serviceLabels: ServiceLabels } => ({
  defaultAccess: config.access ?? 'public',
  serviceLabels: serviceSettingLabels(config.services),
});

/** Which (service, port) pairs get tunnels, with their access: by the agent's own rule, on the labels it will see. */
export const expectedTunnels = (model: ComposeModel, services: readonly string[] | undefined, defaultAccess: TunnelAccess, serviceLabels: ServiceLabels): ExpectedTunnel[] =>
  Object.values(withServiceLabels(model.services, serviceLabels))
    .filter((s) => !services?.length || services.includes(s.name))
    .flatMap((s) => {
      const { access, ports } = serviceTunnels(publicationOf(s), defaultAccess);
      return ports.map((port) => ({ service: s.name, port, access }));
    });

type AgentTunnel = AgentState['tunnels'][number];

const activeTunnels = (s: AgentStateReading): AgentTunnel[] => ('error' in s ? [] : s.tunnels.filter((t) => t.state === 'active' && t.url));

/**
 * Step "wait for tunnels": polls the agent's state until every expected tunnel is active with a
 * URL; an already-running agent answers on the first reading. Returns the active tunnels.
 */
export const waitForTunnels = ({ request, progress, poll, clock }: UpContext, { project, interrupted }: UpTarget, expected: readonly ExpectedTunnel[], readState: () => Promise<AgentStateReading>) =>
  progress.step(`Waiting for ${expected.length} tunnel(s)`, async () => {
    const allActive = (s: AgentStateReading) => {
      const active = activeTunnels(s);
      return expected.every((e) => active.some((t) => t.service === e.service && t.port === e.port));
    };
    const out = await poll(readState, allActive, { signal: request.signal, deadline: clock.now() + (request.timeouts?.tunnelsMs ?? 60_000), interrupted });
    if (out.good) return activeTunnels(out.value);
    const s = out.last;
    const why = 'error' in s ? s.error : (s.lastError ?? s.dockerError ?? s.rejected?.map((r) => `${r.name}: ${r.reason}`).join('; ') ?? `agent is ${s.status}`);
    throw new PreevyError(`The agent did not open every tunnel in time (${why})`, {
      code: 'TUNNELS_NOT_READY',
      kind: 'unavailable',
      suggestions: [`Check the agent's log: docker compose -p ${project} logs ${AGENT_SERVICE}`, 'Check that the tunnel server is reachable from the Docker host.'],
    });
  });
