import type { DockerConnection } from '../driver/docker-host-driver.js';
import type { UpContext, UpTarget } from './up-context.js';

/** Step "ensure host": the driver creates or reuses the environment's Docker host and connects to it. */
export const ensureHost = async ({ driver, profile, progress }: UpContext, { envId, labels, stopIfInterrupted }: UpTarget): Promise<DockerConnection> => {
  stopIfInterrupted();
  const host = await driver.ensureHost({ envId, profileId: profile.name, labels, progress });
  return driver.connect(host);
};
