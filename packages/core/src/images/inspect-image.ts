import { dockerEnv, type DockerConnection } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { ProcessRunner } from '../process/process-runner.js';

/** A Docker engine as the docker CLI reaches it: `dockerHost` undefined is this machine's own engine. */
export type DockerEngine = Pick<DockerConnection, 'dockerHost'>;

/** This machine's engine (the docker CLI's default, whatever DOCKER_HOST the caller's environment had). */
export const LOCAL_ENGINE: DockerEngine = Object.freeze({ dockerHost: undefined });

/** How an engine is named in messages. */
export const engineName = ({ dockerHost }: DockerEngine): string => (dockerHost ? `the Docker host at ${dockerHost}` : 'the local Docker engine');

export interface ImageFacts {
  id: string;
  /** Bytes, as the engine reports it (about what `docker save` writes). */
  size: number;
}

const INSPECT_TIMEOUT_MS = 60_000;

/** True when the engine answers `docker version` (a CLI that cannot even start counts as no engine). */
export const engineAnswers = async (run: ProcessRunner, engine: DockerEngine, env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000): Promise<boolean> =>
  run('docker', ['version', '--format', '{{.Server.Version}}'], { env: dockerEnv(engine, env), timeoutMs }).then(
    (res) => res.exitCode === 0,
    () => false,
  );

/** The last `count` non-empty lines of a program's stderr: what an error message needs. */
export const lastLines = (text: string, count = 10): string => text.trim().split('\n').filter(Boolean).slice(-count).join('\n');

/**
 * The image's id and size on an engine; undefined when the engine has no such image. An engine
 * that does not answer is an error: "absent" must never be guessed from a failed call.
 */
export const inspectImage = async (run: ProcessRunner, engine: DockerEngine, image: string): Promise<ImageFacts | undefined> => {
  const res = await run('docker', ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', image], { env: dockerEnv(engine), timeoutMs: INSPECT_TIMEOUT_MS });
  if (res.exitCode !== 0) {
    if (/no such (image|object)/i.test(res.stderr)) return undefined;
    throw new PreevyError(`Could not look up image ${image} on ${engineName(engine)}`, {
      code: 'IMAGE_INSPECT_FAILED',
      kind: 'unavailable',
      suggestions: [engine.dockerHost ? `Check that ${engine.dockerHost} answers (docker -H ${engine.dockerHost} info).` : 'Check that the local Docker engine runs (docker info).'],
      cause: new Error(lastLines(res.stderr) || `docker image inspect exited ${res.exitCode}`),
    });
  }
  const [id = '', size = ''] = res.stdout.trim().split(' ');
  return { id, size: Number(size) || 0 };
};

/**
 * `inspectImage` for several images in one docker call when the engine has them all (an unchanged
 * `up`: one process instead of one per image, each a round trip through a port-forward or ssh);
 * when any is missing, each is asked alone, so "absent" is never guessed from a shared failure.
 */
export const inspectImages = async (run: ProcessRunner, engine: DockerEngine, images: readonly string[]): Promise<Map<string, ImageFacts | undefined>> => {
  const unique = [...new Set(images)];
  if (unique.length > 1) {
    const res = await run('docker', ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', ...unique], { env: dockerEnv(engine), timeoutMs: INSPECT_TIMEOUT_MS });
    const lines = res.stdout.trim().split('\n');
    if (res.exitCode === 0 && lines.length === unique.length) {
      return new Map(unique.map((image, i) => {
        const [id = '', size = ''] = lines[i]!.split(' ');
        return [image, { id, size: Number(size) || 0 }];
      }));
    }
  }
  return new Map(await Promise.all(unique.map(async (image) => [image, await inspectImage(run, engine, image)] as const)));
};
