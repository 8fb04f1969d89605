import { describe, expect, it } from 'vitest';
import type { PipeCommand, PipeResult, ProcessPipe } from '../process/pipe-processes.js';
import type { ProcessRunner } from '../process/process-runner.js';
import type { DockerEngine, ImageFacts } from './inspect-image.js';
import { planTransfers, transferImages } from './transfer-images.js';

const facts = (id: string, size = 1000): ImageFacts => ({ id, size });

describe('planTransfers', () => {
  const from = new Map([
    ['same', facts('sha256:a')],
    ['newer', facts('sha256:b2')],
    ['only-local', facts('sha256:c')],
  ]);
  const to = new Map([
    ['same', facts('sha256:a')],
    ['newer', facts('sha256:b1')],
    ['only-remote', facts('sha256:d')],
  ]);

  it('should skip an image with the same id on both sides and send one that differs or is only local', () => {
    expect(planTransfers(['same', 'newer', 'only-local'], new Set(), from, to)).toEqual([
      { image: 'same', action: 'present', id: 'sha256:a' },
      { image: 'newer', action: 'send', id: 'sha256:b2', size: 1000 },
      { image: 'only-local', action: 'send', id: 'sha256:c', size: 1000 },
    ]);
  });

  it('should keep an image only the target has, leave an optional one neither has, and call a required one missing', () => {
    expect(planTransfers(['only-remote', 'nowhere', 'gone'], new Set(['nowhere']), from, to)).toEqual([
      { image: 'only-remote', action: 'present', id: 'sha256:d' },
      { image: 'nowhere', action: 'leave' },
      { image: 'gone', action: 'missing' },
    ]);
  });

  it('should plan each image once', () => {
    expect(planTransfers(['same', 'same'], new Set(), from, to)).toHaveLength(1);
  });
});

/** Two fake engines: `docker image inspect` answers from their maps; the fake pipe "loads" into `remote`. */
const engines = (local: Record<string, string>, remote: Record<string, string>, loadResult?: Partial<PipeResult>) => {
  const calls: string[] = [];
  const hostOf = (env: NodeJS.ProcessEnv | undefined): string => env?.DOCKER_HOST ?? 'local';
  const run: ProcessRunner = async (_file, args, options) => {
    const host = hostOf(options?.env);
    const known = host === 'local' ? local : remote;
    // Layer reuse asks for the images' layers: these engines share none.
    if (args[1] === 'ls') {
      calls.push(`${host} ls`);
      return { exitCode: 0, stdout: Object.values(known).map((id) => `${id}\n`).join(''), stderr: '' };
    }
    if (args[3] === '{{json .RootFS.Layers}}') {
      calls.push(`${host} layers ${args.slice(4).join(' ')}`);
      return { exitCode: 0, stdout: args.slice(4).map(() => '[]\n').join(''), stderr: '' };
    }
    // docker image inspect --format F IMAGE...: a line per image found, an error per image missing.
    const images = args.slice(4);
    calls.push(`${host} inspect ${images.join(' ')}`);
    const stdout = images.flatMap((i) => (known[i] ? [`${known[i]} 5242880\n`] : [])).join('');
    const missing = images.filter((i) => !known[i]);
    return { exitCode: missing.length ? 1 : 0, stdout, stderr: missing.map((i) => `Error response from daemon: No such image: ${i}\n`).join('') };
  };
  const pipe: ProcessPipe = async (save: PipeCommand, load: PipeCommand) => {
    const image = save.args[1]!;
    calls.push(`${hostOf(save.env)} save ${image} | ${hostOf(load.env)} load`);
    const failed = loadResult && (loadResult.from?.exitCode || loadResult.to?.exitCode);
    if (!failed) remote[image] = local[image]!;
    return { bytes: 5242880, from: { exitCode: 0, stderr: '' }, to: { exitCode: 0, stderr: '', stdout: `Loaded image: ${image}\n` }, ...loadResult };
  };
  return { run, pipe, calls };
};
const LOCAL: DockerEngine = { dockerHost: undefined };
const HOST: DockerEngine = { dockerHost: 'tcp://127.0.0.1:2375' };

describe('transferImages', () => {
  it('should send what the host lacks with the local env and the host env, check the id, and skip what it has', async () => {
    const { run, pipe, calls } = engines({ 'app:1': 'sha256:1', 'db:2': 'sha256:2' }, { 'db:2': 'sha256:2' });
    const result = await transferImages({ images: ['app:1', 'db:2'], from: LOCAL, to: HOST, run, pipe });
    expect(result).toEqual([
      { image: 'app:1', id: 'sha256:1', sent: true, bytes: 5242880 },
      { image: 'db:2', id: 'sha256:2', sent: false, bytes: 0 },
    ]);
    expect(calls.filter((c) => !c.includes('inspect'))).toEqual(['local layers app:1', 'tcp://127.0.0.1:2375 ls', 'tcp://127.0.0.1:2375 layers sha256:2', 'local save app:1 | tcp://127.0.0.1:2375 load']);
    // Both at once where all are there; one by one where one is missing; then the check after the load.
    expect(calls.filter((c) => c.includes('inspect'))).toEqual([
      'local inspect app:1 db:2',
      'tcp://127.0.0.1:2375 inspect app:1 db:2',
      'tcp://127.0.0.1:2375 inspect app:1',
      'tcp://127.0.0.1:2375 inspect db:2',
      'tcp://127.0.0.1:2375 inspect app:1',
    ]);
  });

  it('should ask each engine once when the host has every image (an unchanged up)', async () => {
    const { run, pipe, calls } = engines({ 'app:1': 'sha256:1', 'db:2': 'sha256:2' }, { 'app:1': 'sha256:1', 'db:2': 'sha256:2' });
    const result = await transferImages({ images: ['app:1', 'db:2'], from: LOCAL, to: HOST, run, pipe });
    expect(result.map((r) => r.sent)).toEqual([false, false]);
    expect(calls).toEqual(['local inspect app:1 db:2', 'tcp://127.0.0.1:2375 inspect app:1 db:2']);
  });

  it('should fail with IMAGE_NOT_LOCAL, naming every missing image, before sending anything', async () => {
    const { run, pipe, calls } = engines({ 'app:1': 'sha256:1' }, {});
    const err = await transferImages({ images: ['app:1', 'gone:1', 'gone:2'], from: LOCAL, to: HOST, run, pipe }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_NOT_LOCAL' });
    expect((err as Error).message).toContain('gone:1, gone:2');
    expect((err as { suggestions: string[] }).suggestions.join(' ')).toMatch(/docker pull gone:1/);
    expect(calls.some((c) => c.includes('save'))).toBe(false);
  });

  it('should leave an optional image neither engine has out of the result', async () => {
    const { run, pipe } = engines({}, {});
    expect(await transferImages({ images: ['public/app:1'], optional: ['public/app:1'], from: LOCAL, to: HOST, run, pipe })).toEqual([]);
  });

  it('should name the image, the side and the end of its stderr when docker load fails', async () => {
    const { run, pipe } = engines({ 'app:1': 'sha256:1' }, {}, {
      from: { exitCode: 143, stderr: '', stopped: true },
      to: { exitCode: 1, stderr: 'open /var/lib/docker/tmp/x: no space left on device\n', stdout: '' },
    });
    const err = await transferImages({ images: ['app:1'], from: LOCAL, to: HOST, run, pipe }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_TRANSFER_FAILED', message: 'Sending image app:1 to the Docker host at tcp://127.0.0.1:2375 failed: docker load on the Docker host at tcp://127.0.0.1:2375 exited 1' });
    expect((err as Error).cause).toMatchObject({ message: 'open /var/lib/docker/tmp/x: no space left on device' });
  });

  it('should blame docker save when it failed and load was only stopped', async () => {
    const { run, pipe } = engines({ 'app:1': 'sha256:1' }, {}, {
      from: { exitCode: 1, stderr: 'Error response from daemon: reference does not exist\n' },
      to: { exitCode: 143, stderr: '', stdout: '', stopped: true },
    });
    const err = await transferImages({ images: ['app:1'], from: LOCAL, to: HOST, run, pipe }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_TRANSFER_FAILED' });
    expect((err as Error).message).toContain('docker save on the local Docker engine exited 1');
  });

  it('should fail with IMAGE_INSPECT_FAILED when an engine does not answer, never take it for a missing image', async () => {
    const run: ProcessRunner = async (_f, _a, options) =>
      options?.env?.DOCKER_HOST ? { exitCode: 1, stdout: '', stderr: 'Cannot connect to the Docker daemon at tcp://127.0.0.1:2375. Is the docker daemon running?' } : { exitCode: 0, stdout: 'sha256:1 10', stderr: '' };
    const err = await transferImages({ images: ['app:1'], from: LOCAL, to: HOST, run, pipe: async () => expect.fail('nothing may be sent') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_INSPECT_FAILED', message: 'Could not look up image app:1 on the Docker host at tcp://127.0.0.1:2375' });
  });
});
