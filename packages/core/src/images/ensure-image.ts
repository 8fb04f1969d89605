import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dockerEnv } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import { execFileRunner, type ProcessRunner } from '../process/process-runner.js';
import { engineGet, engineSocketPath, type EngineGet } from './engine-socket.js';

/** The inputs of an image: every build-context file (`name` in the context, `source` on disk). */
export interface ImageContext {
  files: readonly { name: string; source: string; mode?: number }[];
}

export interface EnsureImageRequest {
  /** Repository part of the tag, e.g. `preevy/agent`. */
  repository: string;
  context: ImageContext;
  buildArgs?: Readonly<Record<string, string>>;
  /** DOCKER_HOST of the target engine (undefined: the CLI default). */
  dockerHost?: string | undefined;
  run?: ProcessRunner;
  /** The Engine API on the host's unix socket, when it has one (see engineSocketPath). */
  get?: EngineGet;
}

export interface EnsuredImage {
  tag: string;
  built: boolean;
}

/** Tag from the content of every input and every build argument: equal inputs, equal tag. */
export const contentTag = async (repository: string, context: ImageContext, buildArgs: Readonly<Record<string, string>> = {}): Promise<string> => {
  const hash = createHash('sha256');
  for (const { name, source, mode } of [...context.files].sort((a, b) => a.name.localeCompare(b.name))) {
    hash.update(`${name}\0${mode ?? ''}\0`).update(await readFile(source)).update('\0');
  }
  for (const [k, v] of Object.entries(buildArgs).sort(([a], [b]) => a.localeCompare(b))) hash.update(`${k}=${v}\0`);
  return `${repository}:${hash.digest('hex').slice(0, 16)}`;
};

/**
 * Builds an image on the target engine only when no image with its content tag is there, so an
 * unchanged image is never rebuilt (a warm `up` pays one look-up).
 */
export const ensureImage = async ({ repository, context, buildArgs = {}, dockerHost, run = execFileRunner, get = engineGet }: EnsureImageRequest): Promise<EnsuredImage> => {
  const tag = await contentTag(repository, context, buildArgs).catch((err: NodeJS.ErrnoException) => {
    throw new PreevyError(`An input of image ${repository} is missing: ${err.path ?? err.message}`, {
      code: 'IMAGE_INPUT_MISSING',
      kind: 'internal',
      suggestions: ['Rebuild preevy (`npm run build`, and the bundles its images need).'],
      cause: err,
    });
  });
  const env = dockerEnv({ dockerHost });
  // Asked on the engine's socket when it has one (a few ms, no docker CLI start); the CLI otherwise or when that did not answer.
  const socket = engineSocketPath(dockerHost);
  const status = socket === undefined ? undefined : await get(socket, `/images/${encodeURIComponent(tag)}/json`);
  if (status === 200) return { tag, built: false };
  if (status !== 404 && (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { env })).exitCode === 0) return { tag, built: false };

  const dir = await mkdtemp(join(tmpdir(), 'preevy-image-'));
  try {
    for (const { name, source, mode } of context.files) {
      // A name may have folders (`workspace-agent/node_modules/…`).
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await copyFile(source, join(dir, name));
      if (mode !== undefined) await chmod(join(dir, name), mode);
    }
    const args = ['build', '--quiet', '--tag', tag, ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), dir];
    const build = await run('docker', args, { env });
    if (build.exitCode !== 0) {
      throw new PreevyError(`Building image ${tag} failed`, {
        code: 'IMAGE_BUILD_FAILED',
        kind: 'unavailable',
        suggestions: [
          'Check that the base image is available on the Docker host (no registry? `docker save IMAGE | docker -H HOST load`).',
          'Run again with --debug for the build output.',
        ],
        cause: new Error(build.stderr.trim().split('\n').slice(-15).join('\n')),
      });
    }
    return { tag, built: true };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
