import { describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { imageSource } from './image-source.js';
import type { UpContext, UpRequest } from './up-context.js';

const context = (request: Partial<UpRequest>, debug: string[] = []): UpContext => {
  const logger: Logger = { ...silentLogger, debug: (m) => void debug.push(m) };
  return { request: { compose: {}, ...request }, logger } as UpContext;
};
const remote = { dockerHost: 'tcp://127.0.0.1:2375', seesLocalFiles: false };

describe('imageSource', () => {
  it('should make images on the host itself when it is the local engine, as before, and say the flags have nothing to do', async () => {
    const debug: string[] = [];
    const local = { dockerHost: undefined, seesLocalFiles: true };
    expect(await imageSource(context({ buildLocal: true }, debug), local, undefined)).toEqual({ buildOn: local, send: false });
    expect(debug).toEqual(['--build-local: nothing to do, the Docker host is the local engine']);
  });

  it('should build on the local engine and send to a host that cannot see local files', async () => {
    expect(await imageSource(context({}), remote, Promise.resolve(true))).toEqual({ buildOn: { dockerHost: undefined }, send: true });
  });

  it('should fall back to building on the host, at debug level, when no local engine answers', async () => {
    const debug: string[] = [];
    expect(await imageSource(context({}, debug), remote, Promise.resolve(false))).toEqual({ buildOn: remote, send: false });
    expect(debug[0]).toMatch(/no local Docker engine answers/);
  });

  it('should refuse --load-image and --build-local without a local engine', async () => {
    await expect(imageSource(context({ loadImages: ['node:20'], buildLocal: true }), remote, Promise.resolve(false))).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_UNAVAILABLE',
      message: '--load-image and --build-local need a local Docker engine, and none answers',
    });
  });
});
