import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { baseUriEnv } from '../compose/base-uri-env.js';
import type { ComposeModel } from '../compose/compose-model.js';
import { loadComposeModel } from '../compose/load-compose-model.js';
import { preevyHome } from '../paths.js';
import type { LoadedProject } from './load-project.js';
import { withServiceLabels, type ServiceLabels } from './service-settings.js';
import type { UpContext } from './up-context.js';

type BaseUris = Readonly<Record<string, string>>;

const sameValues = (a: BaseUris, b: BaseUris): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

/**
 * The `PREEVY_BASE_URI_*` values the last `up` of the same compose request deployed with, kept in
 * the profile's work folder. Only a guess for the first `docker compose config`: a wrong or
 * missing one costs the second load it saves, never a wrong model.
 */
export const baseUriMemo = ({ request, env, profile }: Pick<UpContext, 'request' | 'env' | 'profile'>) => {
  const { cwd, ...selection } = request.compose;
  const key = createHash('sha256')
    .update(JSON.stringify({ ...selection, cwd: resolve(cwd ?? process.cwd()) }))
    .digest('hex')
    .slice(0, 16);
  const file = join(preevyHome(env), 'work', profile.name, 'base-uris', `${key}.json`);
  return {
    // Unreadable or damaged: no guess (the second load then runs, as on a first `up`).
    read: (): Promise<BaseUris> =>
      readFile(file, 'utf8')
        .then((text) => JSON.parse(text) as unknown)
        .then(
          (v) => (typeof v === 'object' && v !== null && Object.values(v).every((u) => typeof u === 'string') ? (v as BaseUris) : {}),
          () => ({}),
        ),
    write: async (values: BaseUris): Promise<void> => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, JSON.stringify(values));
    },
  };
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
  serviceLabels: ServiceLabels,
): Promise<{ model: ComposeModel; baseUris: BaseUris }> => {
  // With x-preevy's service settings applied: they decide which ports get URLs, as the labels do.
  const baseUris = baseUriEnv(Object.values(withServiceLabels(loaded.model.services, serviceLabels)), urlOf);
  if (sameValues(baseUris, loaded.baseUris)) return { model: loaded.model, baseUris };
  const model = await progress.step('Setting the service URLs (docker compose config)', () =>
    loadComposeModel({ ...request.compose, env: { ...request.compose.env, ...baseUris } }, { runner: run, env }),
  );
  return { model, baseUris };
};
