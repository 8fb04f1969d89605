import type { ComposeModel } from '../compose/compose-model.js';
import { deployedServices } from '../compose/deployed-services.js';
import { LOCAL_ENGINE, type DockerEngine } from '../images/inspect-image.js';
import { bindSources, DEFAULT_SYNC_IMAGE } from '../sync/sync-bind-mounts.js';
import { transferImages } from '../images/transfer-images.js';
import type { HostImage, UpContext, UpResult, UpTarget } from './up-context.js';

export interface ImagesToSend {
  /** Must reach the host: made locally (the agent, --build-local) or asked for (--load-image). */
  required: string[];
  /** Sent when the local engine has them; else the host pulls them (or compose fails with its own error). */
  optional: string[];
}

/**
 * What a host that cannot see local files gets from the local engine: the agent image when it was
 * built locally (else x-preevy's `agent.image`, optional), the --build-local tags, --load-image,
 * the `image:` of every deployed service the host does not build itself, and the sync helper's
 * image when there are bind mounts to sync. Pure.
 */
export const imagesToSend = ({
  model,
  services,
  agent,
  built,
  loadImages = [],
  syncImage = DEFAULT_SYNC_IMAGE,
}: {
  model: ComposeModel;
  services: readonly string[] | undefined;
  agent: { tag: string; builtLocally: boolean };
  built: Readonly<Record<string, string>>;
  loadImages?: readonly string[] | undefined;
  syncImage?: string | undefined;
}): ImagesToSend => {
  const required = [...new Set([...(agent.builtLocally ? [agent.tag] : []), ...Object.values(built), ...loadImages])];
  const fromServices = deployedServices(model, services).flatMap((name) => {
    const { image, build } = model.services[name]!;
    // A service the host builds gets its image from that build; its base image is --load-image's business.
    return image && !build ? [image] : [];
  });
  const sync = bindSources(model, services).length ? [syncImage] : [];
  const optional = [...new Set([...(agent.builtLocally ? [] : [agent.tag]), ...fromServices, ...sync])].filter((i) => !required.includes(i));
  return { required, optional };
};

const MB = 1024 * 1024;

/** Step "images": sends `wanted` from the local engine to the host (each skipped when the host has the same id). */
export const sendImages = async ({ request, run, pipe, logger, progress, clock }: UpContext, { stopIfInterrupted }: UpTarget, to: DockerEngine, wanted: ImagesToSend): Promise<Required<Pick<UpResult, 'images' | 'imageBytes'>>> => {
  if (!wanted.required.length && !wanted.optional.length) return { images: [], imageBytes: 0 };
  const started = clock.now();
  const sent = await transferImages({ images: [...wanted.required, ...wanted.optional], optional: wanted.optional, from: LOCAL_ENGINE, to, run, pipe, progress, signal: request.signal }).catch((err: unknown) => {
    stopIfInterrupted();
    throw err;
  });
  const images: HostImage[] = sent.map(({ image, sent: s, bytes }) => ({ image, sent: s, bytes }));
  const imageBytes = images.reduce((n, i) => n + i.bytes, 0);
  const count = images.filter((i) => i.sent).length;
  logger.info(`images: ${count} sent to the host (${(imageBytes / MB).toFixed(1)} MB in ${((clock.now() - started) / 1000).toFixed(1)} s), ${images.length - count} already there`);
  return { images, imageBytes };
};
