import type { DockerConnection, DockerHost } from '../driver/docker-host-driver.js';
import type { UpContext, UpTarget } from './up-context.js';

/**
 * Step "ensure host": the driver creates or reuses the environment's Docker host (starting from
 * the one the record kept) and connects to it.
 */
export const ensureHost = async ({ driver, profile, progress, store, request }: UpContext, { envId, labels, stopIfInterrupted }: UpTarget): Promise<{ host: DockerHost; conn: DockerConnection }> => {
  stopIfInterrupted();
  const recorded = (await store.envs(profile.name).read(envId))?.host;
  const previous = recorded?.driver === driver.name ? recorded : undefined;
  const host = await driver.ensureHost({ envId, profileId: profile.name, labels, progress, previous, signal: request.signal });
  stopIfInterrupted();
  return { host, conn: await driver.connect(host) };
};
