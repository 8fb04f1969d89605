import { dockerEnv } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import { pipeProcesses, type PipeResult, type ProcessPipe } from '../process/pipe-processes.js';
import { execFileRunner, type ProcessRunner } from '../process/process-runner.js';
import { silentProgress, type ProgressReporter } from '../progress.js';
import { engineName, inspectImage, inspectImages, lastLines, type DockerEngine, type ImageFacts } from './inspect-image.js';
import { addLayerChains, engineLayerChains, imageLayers, loadWithoutSharedLayers, sharedLayerCount } from './layer-reuse.js';

/** An image as it is on the target after a transfer: `id` there, whether it was sent and how many bytes that took. */
export interface TransferredImage {
  image: string;
  id: string;
  sent: boolean;
  bytes: number;
}

export interface TransferImagesRequest {
  images: readonly string[];
  /** Where the images are (usually LOCAL_ENGINE). */
  from: DockerEngine;
  to: DockerEngine;
  /** Images `from` may lack: left to the target (compose pulls them or fails with its own error) instead of IMAGE_NOT_LOCAL. */
  optional?: readonly string[] | undefined;
  run?: ProcessRunner | undefined;
  pipe?: ProcessPipe | undefined;
  progress?: ProgressReporter | undefined;
  /** Stops a transfer in flight (both processes are killed). */
  signal?: AbortSignal | undefined;
}

/** What to do with one image, given what each engine has. */
export type ImagePlan =
  | { image: string; action: 'send'; id: string; size: number }
  | { image: string; action: 'present'; id: string }
  /** Neither engine has it (or only the target, under another id, and `from` lacks it): the target's business. */
  | { image: string; action: 'leave' }
  | { image: string; action: 'missing' };

/**
 * Decides per image, each once: the same id on both sides is already there; an image only the
 * target has stays as it is; one `from` lacks is `missing` (an error) unless optional. Pure.
 */
export const planTransfers = (
  images: readonly string[],
  optional: ReadonlySet<string>,
  from: ReadonlyMap<string, ImageFacts | undefined>,
  to: ReadonlyMap<string, ImageFacts | undefined>,
): ImagePlan[] =>
  [...new Set(images)].map((image): ImagePlan => {
    const source = from.get(image);
    const target = to.get(image);
    if (source && target?.id === source.id) return { image, action: 'present', id: target.id };
    if (source) return { image, action: 'send', id: source.id, size: source.size };
    // Nothing to send it from; an image the target already has under that name is used as it is.
    if (target) return { image, action: 'present', id: target.id };
    return { image, action: optional.has(image) ? 'leave' : 'missing' };
  });

const notLocal = (images: readonly string[], from: DockerEngine): PreevyError =>
  new PreevyError(`${images.length === 1 ? `Image ${images[0]} is` : `Images ${images.join(', ')} are`} not on ${engineName(from)}, so ${images.length === 1 ? 'it' : 'they'} cannot be sent to the Docker host`, {
    code: 'IMAGE_NOT_LOCAL',
    kind: 'not-found',
    suggestions: [
      `Pull or build ${images.length === 1 ? 'it' : 'them'} locally first (docker pull ${images[0]}, or docker build -t ${images[0]} .).`,
      'Or do not ask for the transfer (drop it from --load-image) and let the Docker host pull it from a registry it can reach.',
    ],
  });

/** The side to blame for a failed pipe: one we stopped only suffered the other's failure. */
const failedSide = ({ from, to }: PipeResult): { side: 'from' | 'to'; exitCode: number; stderr: string } | undefined => {
  if (from.exitCode !== 0 && !from.stopped) return { side: 'from', ...from };
  if ((to.exitCode !== 0 && !to.stopped) || to.inputCut) return { side: 'to', ...to };
  if (from.exitCode !== 0 || to.exitCode !== 0) return from.exitCode !== 0 ? { side: 'from', ...from } : { side: 'to', ...to };
  return undefined;
};

const transferFailed = (image: string, from: DockerEngine, to: DockerEngine, failed: NonNullable<ReturnType<typeof failedSide>>): PreevyError => {
  const what = failed.side === 'from' ? `docker save on ${engineName(from)}` : `docker load on ${engineName(to)}`;
  return new PreevyError(`Sending image ${image} to ${engineName(to)} failed: ${what} exited ${failed.exitCode}`, {
    code: 'IMAGE_TRANSFER_FAILED',
    kind: 'unavailable',
    suggestions:
      failed.side === 'from'
        ? [`Check the image on ${engineName(from)}: docker image inspect ${image}.`]
        : [`Check that ${engineName(to)} answers and has room for the image (docker info, docker system df).`],
    cause: new Error(lastLines(failed.stderr) || `${what} exited ${failed.exitCode}`),
  });
};

const MB = 1024 * 1024;

/**
 * Makes each image available on `to` by streaming `docker save` on `from` into `docker load` on
 * `to` (no temp file), skipping one whose id is already there. Every sent image is checked to
 * have the same id on `to` afterwards. Sends one image at a time: they share one connection.
 */
export const transferImages = async ({
  images,
  from,
  to,
  optional = [],
  run = execFileRunner,
  pipe = pipeProcesses,
  progress = silentProgress,
  signal,
}: TransferImagesRequest): Promise<TransferredImage[]> => {
  const unique = [...new Set(images)];
  const [onFrom, onTo] = await Promise.all([inspectImages(run, from, unique), inspectImages(run, to, unique)]);
  const plan = planTransfers(unique, new Set(optional), onFrom, onTo);
  const missing = plan.filter((p) => p.action === 'missing').map((p) => p.image);
  if (missing.length) throw notLocal(missing, from);

  const result: TransferredImage[] = [];
  // What the target holds, asked once and kept up to date: a later image may build on an earlier one.
  let targetChains: Set<string> | undefined;
  for (const p of plan) {
    if (p.action === 'present') result.push({ image: p.image, id: p.id, sent: false, bytes: 0 });
    if (p.action !== 'send') continue;
    const { image, id, size } = p;
    const layers = await imageLayers(run, from, image);
    targetChains ??= await engineLayerChains(run, to);
    const shared = sharedLayerCount(layers, targetChains);
    if (shared > 0) {
      const partial = await progress.step(`Sending image ${image} (${Math.round(size / MB)} MB, ${shared} of its ${layers.length} layers already there) to ${engineName(to)}`, () =>
        loadWithoutSharedLayers(run, { image, from, to, shared, signal }),
      );
      if (signal?.aborted) throw new PreevyError(`Interrupted while sending image ${image}`, { code: 'INTERRUPTED', kind: 'interrupted' });
      // Anything unexpected (an engine that wants every layer file) falls back to the whole image below.
      if (partial?.load.exitCode === 0 && (await inspectImage(run, to, image))?.id === id) {
        addLayerChains(targetChains, layers);
        result.push({ image, id, sent: true, bytes: partial.bytes });
        continue;
      }
    }
    const piped = await progress.step(`Sending image ${image} (${Math.round(size / MB)} MB) to ${engineName(to)}`, () =>
      pipe({ file: 'docker', args: ['save', image], env: dockerEnv(from) }, { file: 'docker', args: ['load', '--quiet'], env: dockerEnv(to) }, { signal }),
    );
    if (signal?.aborted) throw new PreevyError(`Interrupted while sending image ${image}`, { code: 'INTERRUPTED', kind: 'interrupted' });
    const failed = failedSide(piped);
    if (failed) throw transferFailed(image, from, to, failed);
    const loaded = await inspectImage(run, to, image);
    if (loaded?.id !== id) {
      throw new PreevyError(`Image ${image} reached ${engineName(to)} as ${loaded?.id ?? 'nothing'}, not ${id}`, {
        code: 'IMAGE_TRANSFER_MISMATCH',
        kind: 'internal',
        suggestions: ['Name the image by repository and tag (a digest or an image id is not kept by docker save and load).', 'Run again with --debug.'],
        cause: new Error(lastLines(piped.to.stdout) || 'docker load printed nothing'),
      });
    }
    addLayerChains(targetChains, layers);
    result.push({ image, id, sent: true, bytes: piped.bytes });
  }
  return result;
};
