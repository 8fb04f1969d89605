import { describe, expect, it } from 'vitest';
import { toComposeModel } from '../compose/compose-model.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ProcessPipe } from '../process/pipe-processes.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { imagesToSend, sendImages } from './send-images.js';
import type { UpContext } from './up-context.js';
import { testTarget, testUpContext } from '../testing/up-context.js';

const RAW = {
  name: 'shop',
  services: {
    web: { image: 'nginx:1.27', depends_on: ['api'], volumes: [{ type: 'bind', source: '/work/shop/site', target: '/www' }] },
    api: { image: 'shop/api:dev', build: { context: '/work/shop/api' } },
    db: { image: 'postgres:16' },
    worker: { build: { context: '/work/shop/worker' } },
  },
};
const model = toComposeModel(RAW, { workingDir: '/work/shop', files: ['/work/shop/compose.yaml'] });
const agent = { tag: 'preevy/agent:0123456789abcdef', builtLocally: true };

describe('imagesToSend', () => {
  it('should require the local agent image, the built tags and --load-image, and offer the images of deployed services the host does not build', () => {
    expect(imagesToSend({ model, services: undefined, agent, built: {}, loadImages: ['node:20'], syncImage: 'busybox:1.36' })).toEqual({
      required: ['preevy/agent:0123456789abcdef', 'node:20'],
      optional: ['nginx:1.27', 'postgres:16', 'busybox:1.36'],
    });
  });

  it('should require the --build-local tags and offer only what the named services need', () => {
    expect(imagesToSend({ model, services: ['web'], agent, built: { api: 'shop/api:dev' }, syncImage: 'busybox:1.36' })).toEqual({
      required: ['preevy/agent:0123456789abcdef', 'shop/api:dev'],
      optional: ['nginx:1.27', 'busybox:1.36'],
    });
  });

  it("should offer x-preevy's agent image as it is, and no sync image without bind mounts to sync", () => {
    expect(imagesToSend({ model, services: ['db'], agent: { tag: 'example/agent:1', builtLocally: false }, built: {} })).toEqual({
      required: [],
      optional: ['example/agent:1', 'postgres:16'],
    });
  });

  it('should name each image once, a required one never also as optional', () => {
    const wanted = imagesToSend({ model, services: ['db'], agent, built: {}, loadImages: ['postgres:16', 'postgres:16'] });
    expect(wanted).toEqual({ required: ['preevy/agent:0123456789abcdef', 'postgres:16'], optional: [] });
  });
});

describe('sendImages', () => {
  const target = testTarget();
  const context = (over: Partial<UpContext>): UpContext => {
    let t = 0;
    return testUpContext(over, { now: () => (t += 1500), sleep: async () => {} });
  };

  it('should send what the host lacks, leave an optional image nobody has, report bytes and log one line', async () => {
    const host: Record<string, string> = {};
    const local: Record<string, string> = { 'preevy/agent:1': 'sha256:a', 'nginx:1.27': 'sha256:n' };
    const run: ProcessRunner = async (_f, args, options) => {
      const id = (options?.env?.DOCKER_HOST ? host : local)[args[args.length - 1]!];
      return id ? { exitCode: 0, stdout: `${id} 3000000`, stderr: '' } : { exitCode: 1, stdout: '', stderr: 'No such image' };
    };
    const pipe: ProcessPipe = async (save) => {
      host[save.args[1]!] = local[save.args[1]!]!;
      return { bytes: 3 * 1024 * 1024, from: { exitCode: 0, stderr: '' }, to: { exitCode: 0, stderr: '', stdout: '' } };
    };
    const lines: string[] = [];
    const logger: Logger = { ...silentLogger, info: (m) => void lines.push(m) };
    host['nginx:1.27'] = 'sha256:n';
    const res = await sendImages(context({ run, pipe, logger }), target, { dockerHost: 'tcp://127.0.0.1:2375' }, { required: ['preevy/agent:1'], optional: ['nginx:1.27', 'postgres:16'] });
    expect(res).toEqual({
      images: [
        { image: 'preevy/agent:1', sent: true, bytes: 3 * 1024 * 1024 },
        { image: 'nginx:1.27', sent: false, bytes: 0 },
      ],
      imageBytes: 3 * 1024 * 1024,
    });
    expect(lines).toEqual(['images: 1 sent to the host (3.0 MB in 1.5 s), 1 already there']);
  });

  it('should do nothing when no image is wanted', async () => {
    expect(await sendImages(context({}), target, { dockerHost: 'tcp://127.0.0.1:2375' }, { required: [], optional: [] })).toEqual({ images: [], imageBytes: 0 });
  });
});
