import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { preevyHome } from '../paths.js';
import type { UpContext } from './up-context.js';

/** The environment's own folder for the compose files `up` writes (created, private to the user). */
export const envWorkDir = async ({ env, profile }: Pick<UpContext, 'env' | 'profile'>, envId: string): Promise<string> => {
  const work = join(preevyHome(env), 'work', profile.name, envId);
  await mkdir(work, { recursive: true, mode: 0o700 });
  return work;
};
