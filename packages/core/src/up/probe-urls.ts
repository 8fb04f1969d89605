import type { AgentState } from '@preevy/tunnel-protocol';
import type { Profile } from '../profiles/profile-store.js';
import { probeUrl } from './probe-url.js';
import { envShareToken } from './share-url.js';
import type { ServiceUrl, UpContext, UpTarget } from './up-context.js';
import type { ExpectedTunnel } from './wait-for-tunnels.js';

/** Any answer from the service counts; 502/503 is the tunnel saying the service refused or is gone. */
export const answered = (status: number): boolean => status > 0 && status !== 502 && status !== 503;

/** Short-lived share tokens for the environment, signed with the profile's tunnel key, to probe private URLs. */
export const shareTokenSigner =
  (profile: Pick<Profile, 'name' | 'clientId'>, privateKeyText: string, envId: string): (() => string) =>
  () =>
    envShareToken({ privateKeyText, profile, envId, expiresInSeconds: 300 });

/**
 * Step "probe": every URL through the tunnel, polled until the service answers or the probe
 * timeout passes (then the last status is kept: `up` warns, it does not fail). Private URLs are
 * probed with a short-lived share token.
 */
export const probeUrls = (
  { request, progress, poll, clock }: UpContext,
  { interrupted }: UpTarget,
  expected: readonly ExpectedTunnel[],
  active: AgentState['tunnels'],
  token: () => string,
  probe: typeof probeUrl = probeUrl,
): Promise<ServiceUrl[]> =>
  progress.step('Probing every URL through the tunnel', () =>
    Promise.all(
      expected.map(async (e): Promise<ServiceUrl> => {
        const url = active.find((t) => t.service === e.service && t.port === e.port)!.url!;
        const attempt = () => probe(url, e.access === 'private' ? { headers: { Authorization: `Bearer ${token()}` } } : {});
        const out = await poll(attempt, answered, { signal: request.signal, deadline: clock.now() + (request.timeouts?.probeMs ?? 60_000), interrupted });
        return { ...e, url, httpStatus: out.good ? out.value : out.last };
      }),
    ),
  );
