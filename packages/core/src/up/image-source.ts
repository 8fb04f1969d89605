import type { DockerConnection } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import { LOCAL_ENGINE, type DockerEngine } from '../images/inspect-image.js';
import type { UpContext } from './up-context.js';

/** Where `up` makes images: `buildOn` builds the agent image; `send` says the local engine sends images to the host. */
export interface ImageSource {
  buildOn: DockerEngine;
  send: boolean;
}

/**
 * A host that sees local files is the local engine: images are made there, as always. Any other
 * host may reach no registry (a fresh dind pod), so images are made by the local engine and sent,
 * unless no local engine answers: then the host builds the agent image itself (it needs the base
 * image) and nothing is sent.
 */
export const imageSource = async ({ request, logger }: UpContext, conn: Pick<DockerConnection, 'dockerHost' | 'seesLocalFiles'>, localAnswers: Promise<boolean> | undefined): Promise<ImageSource> => {
  const asked = [...(request.loadImages?.length ? ['--load-image'] : []), ...(request.buildLocal ? ['--build-local'] : [])];
  if (conn.seesLocalFiles) {
    if (asked.length) logger.debug(`${asked.join(' and ')}: nothing to do, the Docker host is the local engine`);
    return { buildOn: conn, send: false };
  }
  if (await localAnswers) return { buildOn: LOCAL_ENGINE, send: true };
  if (asked.length) {
    throw new PreevyError(`${asked.join(' and ')} need${asked.length === 1 ? 's' : ''} a local Docker engine, and none answers`, {
      code: 'LOCAL_ENGINE_UNAVAILABLE',
      kind: 'unavailable',
      suggestions: ['Start the local Docker engine (docker info shows it), or run without ' + asked.join(' and ') + ' to let the host build and pull.'],
    });
  }
  logger.debug('no local Docker engine answers: the agent image is built on the Docker host and no image is sent to it');
  return { buildOn: conn, send: false };
};
