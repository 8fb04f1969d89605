import { baseUriEnv } from '../compose/base-uri-env.js';
import type { ComposeModel } from '../compose/compose-model.js';
import { loadComposeModel } from '../compose/load-compose-model.js';
import type { LoadedProject } from './load-project.js';
import type { UpContext } from './up-context.js';

type BaseUris = Readonly<Record<string, string>>;

const sameValues = (a: BaseUris, b: BaseUris): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

/**
 * Step "URLs into the model": the model with every `PREEVY_BASE_URI_<SERVICE>_<PORT>` set to its
 * URL, for compose interpolation. The names come from the loaded model's ports, so this is a
 * second `docker compose config`, unless the first one was already given exactly these values:
 * the same inputs give compose the same model, so it is reused (an unchanged `up` loads once).
 */
export const interpolateBaseUris = async (
  { request, run, env, progress }: UpContext,
  loaded: LoadedProject,
  urlOf: (service: string, port: number) => string,
): Promise<{ model: ComposeModel; baseUris: BaseUris }> => {
  const baseUris = baseUriEnv(Object.values(loaded.model.services), urlOf);
  if (sameValues(baseUris, loaded.baseUris)) return { model: loaded.model, baseUris };
  const model = await progress.step('Setting the service URLs (docker compose config)', () =>
    loadComposeModel({ ...request.compose, env: { ...request.compose.env, ...baseUris } }, { runner: run, env }),
  );
  return { model, baseUris };
};
