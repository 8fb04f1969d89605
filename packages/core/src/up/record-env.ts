import type { EnvStatus } from '../profiles/profile-schema.js';
import type { ServiceUrl, UpContext, UpTarget } from './up-context.js';

/**
 * Step "record": the environment's record in the profile store, so `ls`, `urls` and `down` find it.
 * Without `urls` the previous ones are kept (a failed or half-done `up` still lists what was there).
 */
export const recordEnv = ({ store, profile, driver }: UpContext, { envId, project, host }: UpTarget, status: EnvStatus, urls?: readonly ServiceUrl[]) =>
  store.envs(profile.name).update(envId, (prev) => ({
    envId,
    composeProject: project,
    driver: driver.name,
    status,
    deployed: true,
    ...(host ? { host } : {}),
    urls: urls ? urls.map(({ service, port, url }) => ({ service, port, url })) : (prev?.urls ?? []),
  }));
