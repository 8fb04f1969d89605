import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNestedDockerEngine, type NestedDockerEngine } from '../../../../test/support/nested-docker-engine.js';
import { pipeProcesses, type ProcessPipe } from '../process/pipe-processes.js';
import { execFileRunner } from '../process/process-runner.js';
import { inspectImage, LOCAL_ENGINE } from './inspect-image.js';
import { transferImages } from './transfer-images.js';

const BUSYBOX = 'preevy-test/busybox:latest';
const NODE = 'preevy-test/node:20';
const MB = 1024 * 1024;

// The target is a real second engine (dockerd in the dind image, on loopback), empty like a fresh
// dind pod: what reaches it can only have come through docker save | docker load.
describe('transferImages (local engine -> a nested Docker engine)', () => {
  let host: NestedDockerEngine;
  const to = () => ({ dockerHost: host.dockerHost });

  beforeAll(async () => {
    host = await startNestedDockerEngine(`preevy-test-transfer-${randomBytes(3).toString('hex')}`);
  });

  afterAll(async () => {
    await host?.remove();
  });

  it('should send an image the host lacks, with the same id, and the host should run it', async () => {
    expect(await inspectImage(execFileRunner, to(), BUSYBOX)).toBeUndefined();
    const local = await inspectImage(execFileRunner, LOCAL_ENGINE, BUSYBOX);
    const [sent] = await transferImages({ images: [BUSYBOX], from: LOCAL_ENGINE, to: to() });
    expect(sent).toMatchObject({ image: BUSYBOX, id: local!.id, sent: true });
    expect(sent!.bytes).toBeGreaterThan(local!.size / 2);
    expect((await inspectImage(execFileRunner, to(), BUSYBOX))?.id).toBe(local!.id);
    const ran = await execFileRunner('docker', ['-H', host.dockerHost, 'run', '--rm', BUSYBOX, 'echo', 'ran on the nested engine']);
    expect(ran.stdout.trim(), ran.stderr).toBe('ran on the nested engine');
  });

  it('should skip an image the host already has with the same id', async () => {
    const { id } = (await inspectImage(execFileRunner, LOCAL_ENGINE, BUSYBOX))!;
    expect(await transferImages({ images: [BUSYBOX], from: LOCAL_ENGINE, to: to() })).toEqual([{ image: BUSYBOX, id, sent: false, bytes: 0 }]);
  });

  it('should send only the layers the host lacks of an image built on one it has, and the host should run it', async () => {
    const tag = `preevy-test/layer-reuse-${randomBytes(3).toString('hex')}`;
    const base = `${tag}:base`;
    const app = `${tag}:app`;
    const build = async (image: string, dockerfile: string) => {
      const res = await execFileRunner('docker', ['build', '--quiet', '--tag', image, '-'], { input: dockerfile });
      expect(res.exitCode, res.stderr).toBe(0);
    };
    try {
      // A 16 MB base layer of random bytes (no compression helps), then 1 MB of the app's own.
      await build(base, `FROM ${BUSYBOX}\nRUN head -c 16777216 /dev/urandom > /base.bin\n`);
      await build(app, `FROM ${base}\nRUN head -c 1048576 /dev/urandom > /app.bin && sha256sum /base.bin /app.bin > /sums\n`);
      const [first] = await transferImages({ images: [base], from: LOCAL_ENGINE, to: to() });
      expect(first!.bytes).toBeGreaterThan(16 * MB);
      const local = (await inspectImage(execFileRunner, LOCAL_ENGINE, app))!;
      const [sent] = await transferImages({ images: [app], from: LOCAL_ENGINE, to: to() });
      expect(sent).toMatchObject({ image: app, id: local.id, sent: true });
      // The 1 MB layer, its config and the archive's own entries; none of the 16 MB.
      expect(sent!.bytes).toBeLessThan(4 * MB);
      const ran = await execFileRunner('docker', ['-H', host.dockerHost, 'run', '--rm', app, 'sha256sum', '-c', '/sums']);
      expect(ran.stdout, ran.stderr).toBe('/base.bin: OK\n/app.bin: OK\n');
    } finally {
      await execFileRunner('docker', ['image', 'rm', app, base]);
    }
  });

  it('should fail with IMAGE_NOT_LOCAL for an image the local engine lacks, and leave an optional one to the host', async () => {
    const missing = `preevy-test/not-here-${randomBytes(3).toString('hex')}:1`;
    const err = await transferImages({ images: [missing], from: LOCAL_ENGINE, to: to() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_NOT_LOCAL' });
    expect((err as Error).message).toContain(missing);
    expect(await transferImages({ images: [missing], optional: [missing], from: LOCAL_ENGINE, to: to() })).toEqual([]);
  });

  it('should fail with IMAGE_TRANSFER_FAILED naming docker load when the host goes away mid-transfer, and not hang', async () => {
    let stopping: Promise<void> | undefined;
    // The real pipe, with the engine stopped once 16 MB of the image are through.
    const pipe: ProcessPipe = (from, target, options) =>
      pipeProcesses(from, target, { ...options, onBytes: (n) => void (n > 16 * MB && (stopping ??= host.stop())) });
    const started = Date.now();
    const err = await transferImages({ images: [NODE], from: LOCAL_ENGINE, to: to(), pipe }).catch((e: unknown) => e);
    await stopping;
    expect(err).toMatchObject({ code: 'IMAGE_TRANSFER_FAILED' });
    expect((err as Error).message).toContain(`Sending image ${NODE} to the Docker host at ${host.dockerHost} failed: docker load`);
    expect(((err as Error).cause as Error).message).not.toBe('');
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('should fail with IMAGE_INSPECT_FAILED when the host does not answer, without trying to send', async () => {
    await host.stop();
    const started = Date.now();
    await expect(transferImages({ images: [BUSYBOX], from: LOCAL_ENGINE, to: to() })).rejects.toMatchObject({
      code: 'IMAGE_INSPECT_FAILED',
      message: `Could not look up image ${BUSYBOX} on the Docker host at ${host.dockerHost}`,
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
