import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileRunner } from '../process/process-runner.js';
import { ensureImage, type ImageContext } from './ensure-image.js';

describe('ensureImage (real engine)', () => {
  let dir = '';
  let context: ImageContext;
  const repository = `preevy-test/ensure-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-ensure-'));
    await writeFile(join(dir, 'Dockerfile'), 'ARG BASE_IMAGE=busybox\nFROM ${BASE_IMAGE}\nCOPY hello.txt /hello.txt\n');
    await writeFile(join(dir, 'hello.txt'), 'one');
    context = { files: [{ name: 'Dockerfile', source: join(dir, 'Dockerfile') }, { name: 'hello.txt', source: join(dir, 'hello.txt') }] };
  });

  afterAll(async () => {
    const images = await execFileRunner('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', repository]);
    for (const tag of images.stdout.split('\n').filter(Boolean)) await execFileRunner('docker', ['rmi', '-f', tag]);
    await rm(dir, { recursive: true, force: true });
  });

  it('should build once, reuse the image while nothing changes, and rebuild when an input changes', async () => {
    const buildArgs = { BASE_IMAGE: 'preevy-test/busybox:latest' };
    const first = await ensureImage({ repository, context, buildArgs });
    expect(first.built).toBe(true);
    expect(await ensureImage({ repository, context, buildArgs })).toEqual({ tag: first.tag, built: false });

    await writeFile(join(dir, 'hello.txt'), 'two');
    const changed = await ensureImage({ repository, context, buildArgs });
    expect(changed.built).toBe(true);
    expect(changed.tag).not.toBe(first.tag);
    const content = await execFileRunner('docker', ['run', '--rm', changed.tag, 'cat', '/hello.txt']);
    expect(content.stdout).toBe('two');
  });

  it('should fail with IMAGE_BUILD_FAILED and a remedy when the base image is missing', async () => {
    const err = await ensureImage({ repository, context, buildArgs: { BASE_IMAGE: 'preevy-test/does-not-exist:1' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_BUILD_FAILED' });
    expect((err as { suggestions: string[] }).suggestions.join()).toContain('docker save');
  });
});
