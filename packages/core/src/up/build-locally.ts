import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComposeModel } from '../compose/compose-model.js';
import { deployedServices } from '../compose/deployed-services.js';
import { dockerEnv } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import { LOCAL_ENGINE, lastLines } from '../images/inspect-image.js';
import { envWorkDir } from './env-work-dir.js';
import type { UpContext, UpTarget } from './up-context.js';

/**
 * The tag each deployed service with `build:` gets when the local engine builds it: its `image:`,
 * else `<project>-<service>`, the name Compose v2 itself would give it (so an `up` without
 * --build-local builds the same name on the host). Pure.
 */
export const localBuildTags = (model: ComposeModel, services: readonly string[] | undefined, project: string): Record<string, string> =>
  Object.fromEntries(
    deployedServices(model, services)
      .filter((name) => model.services[name]!.build)
      .map((name) => [name, model.services[name]!.image ?? `${project}-${name}`]),
  );

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * The project with each service of `tags` pointed at its tag. With `dropBuild` its `build:` goes
 * too (and a `pull_policy: build`, which needs one): the deployed file then names an image the
 * host already has, so `compose up --build` cannot rebuild it there. Pure.
 */
export const withBuildTags = (raw: Record<string, unknown>, tags: Readonly<Record<string, string>>, { dropBuild }: { dropBuild: boolean }): Record<string, unknown> => {
  if (!Object.keys(tags).length) return raw;
  const services = record(raw.services);
  return {
    ...raw,
    services: Object.fromEntries(
      Object.entries(services).map(([name, svc]) => {
        const tag = tags[name];
        if (tag === undefined) return [name, svc];
        const { build, pull_policy: pullPolicy, ...rest } = record(svc);
        if (!dropBuild) return [name, { ...rest, build, ...(pullPolicy === undefined ? {} : { pull_policy: pullPolicy }), image: tag }];
        return [name, { ...rest, ...(pullPolicy === undefined || pullPolicy === 'build' ? {} : { pull_policy: pullPolicy }), image: tag }];
      }),
    ),
  };
};

/**
 * Step "build locally" (--build-local, for a host that cannot see local files): the deployed
 * services with `build:` are built by the local engine with `docker compose build`, from the same
 * model (interpolated, same project name) that is deployed. Returns service -> tag.
 */
export const buildLocally = async (ctx: UpContext, { envId, project, stopIfInterrupted }: UpTarget, model: ComposeModel): Promise<Record<string, string>> => {
  const { request, run, env, progress } = ctx;
  const tags = localBuildTags(model, request.services, project);
  const services = Object.keys(tags);
  if (!services.length) return tags;
  const file = join(await envWorkDir(ctx, envId), 'compose.build.json');
  await writeFile(file, JSON.stringify(withBuildTags(model.raw, tags, { dropBuild: false }), null, 2));
  const { signal } = request;
  await progress.step(`Building ${services.join(', ')} with the local Docker engine`, async () => {
    const res = await run('docker', ['compose', '-p', project, '-f', file, 'build', ...services], {
      env: dockerEnv(LOCAL_ENGINE, env),
      cwd: model.workingDir,
      ...(signal ? { signal } : {}),
    });
    if (res.exitCode !== 0) {
      stopIfInterrupted();
      throw new PreevyError(`Building ${services.join(', ')} with the local Docker engine failed`, {
        code: 'LOCAL_BUILD_FAILED',
        kind: 'invalid-input',
        suggestions: [`See the build's output: docker compose -p ${project} -f ${file} build ${services.join(' ')}`, 'Or run without --build-local to build on the Docker host.'],
        cause: new Error(lastLines(res.stderr, 20) || `docker compose build exited ${res.exitCode}`),
      });
    }
  });
  return tags;
};
