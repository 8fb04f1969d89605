import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { dockerEnv } from '../driver/docker-host-driver.js';
import type { ProcessResult, ProcessRunner } from '../process/process-runner.js';
import { lastLines, type DockerEngine } from './inspect-image.js';

/**
 * Layer reuse for `docker save | docker load`: `docker load` reads a layer's file only when the
 * engine lacks that layer on top of the same parents (its chain), so an archive may leave out the
 * files of the leading layers the target already has. An image built on a base the host got
 * before (the agent and a Node.js service on the same `node` image) then costs only its own layers.
 */

const INSPECT_TIMEOUT_MS = 60_000;

/** One key per layer chain: a layer counts only on top of the same parents. Pure. */
const chainKeys = (diffIds: readonly string[]): string[] => diffIds.map((_, i) => diffIds.slice(0, i + 1).join(','));

/** `{{json .RootFS.Layers}}` as a list; empty for anything else (reuse is an optimisation: nothing is guessed). Pure. */
export const parseLayers = (text: string): string[] => {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : [];
  } catch {
    return [];
  }
};

/** Adds an image's layer chains to a set (an image just loaded there). */
export const addLayerChains = (chains: Set<string>, diffIds: readonly string[]): void => {
  for (const key of chainKeys(diffIds)) chains.add(key);
};

/** Every layer chain of the images an engine holds. */
export const engineLayerChains = async (run: ProcessRunner, engine: DockerEngine): Promise<Set<string>> => {
  const env = dockerEnv(engine);
  const listed = await run('docker', ['image', 'ls', '--all', '--quiet', '--no-trunc'], { env, timeoutMs: INSPECT_TIMEOUT_MS });
  const ids = [...new Set(listed.stdout.split('\n').map((l) => l.trim()).filter(Boolean))];
  if (listed.exitCode !== 0 || !ids.length) return new Set();
  const inspected = await run('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ...ids], { env, timeoutMs: INSPECT_TIMEOUT_MS });
  // An image removed in between fails the whole call: reuse is an optimisation, nothing is guessed present.
  if (inspected.exitCode !== 0) return new Set();
  return new Set(inspected.stdout.split('\n').filter(Boolean).flatMap((line) => chainKeys(parseLayers(line))));
};

/** The image's layers (diff ids, base first) on an engine; empty when it cannot tell. */
export const imageLayers = async (run: ProcessRunner, engine: DockerEngine, image: string): Promise<string[]> => {
  const res = await run('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', image], { env: dockerEnv(engine), timeoutMs: INSPECT_TIMEOUT_MS });
  return res.exitCode === 0 ? parseLayers(res.stdout.trim()) : [];
};

/** How many leading layers of an image the target holds as the same chain. Pure. */
export const sharedLayerCount = (diffIds: readonly string[], targetChains: ReadonlySet<string>): number => {
  const keys = chainKeys(diffIds);
  let n = 0;
  while (n < keys.length && targetChains.has(keys[n]!)) n++;
  return n;
};

interface SaveManifestEntry {
  Layers: string[];
}

/**
 * The archive paths of the first `shared` layers, less any path a later layer needs too (the OCI
 * layout keeps one blob for two equal layers). Pure.
 */
export const skippableLayerPaths = (manifest: readonly SaveManifestEntry[], shared: number): Set<string> => {
  const layers = manifest[0]?.Layers ?? [];
  const needed = new Set(layers.slice(shared));
  return new Set(layers.slice(0, shared).filter((p) => !needed.has(p)));
};

/** manifest.json of a `docker save` archive (it comes last in the legacy format: the whole file is read). */
const readSaveManifest = async (file: string): Promise<SaveManifestEntry[] | undefined> => {
  let manifest: SaveManifestEntry[] | undefined;
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    if (header.name !== 'manifest.json') {
      stream.on('end', next).resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SaveManifestEntry[];
      next();
    });
  });
  await pipeline(createReadStream(file), reader);
  return Array.isArray(manifest) && manifest.length === 1 ? manifest : undefined;
};

/** The archive without the entries named in `skip`, counting the bytes that leave. */
const withoutEntries = (file: string, skip: ReadonlySet<string>, count: (n: number) => void): Readable => {
  const reader = extract();
  const writer = pack();
  reader.on('entry', (header, stream, next) => {
    if (skip.has(header.name)) {
      stream.on('end', next).resume();
      return;
    }
    stream.pipe(writer.entry(header, next));
  });
  reader.on('finish', () => writer.finalize());
  const out = new PassThrough();
  out.on('data', (c: Buffer) => count(c.length));
  pipeline(createReadStream(file), reader).catch((err: Error) => out.destroy(err));
  writer.on('error', (err) => out.destroy(err));
  return writer.pipe(out);
};

export interface PartialLoad {
  /** Bytes sent to `docker load`. */
  bytes: number;
  /** Layers left out because the target had them. */
  skipped: number;
  load: ProcessResult;
}

/**
 * `docker save` into a private temp file, then `docker load` on `to` of that archive without the
 * files of the first `shared` layers. Undefined when the archive is not as expected (the caller
 * sends the whole image instead). The temp file is removed in every case.
 */
export const loadWithoutSharedLayers = async (
  run: ProcessRunner,
  { image, from, to, shared, signal }: { image: string; from: DockerEngine; to: DockerEngine; shared: number; signal?: AbortSignal | undefined },
): Promise<PartialLoad | undefined> => {
  const dir = await mkdtemp(join(tmpdir(), 'preevy-image-'));
  try {
    const file = join(dir, 'image.tar');
    const saved = await run('docker', ['save', '--output', file, image], { env: dockerEnv(from), ...(signal ? { signal } : {}) });
    if (saved.exitCode !== 0) throw new Error(`docker save ${image}: ${lastLines(saved.stderr)}`);
    const manifest = await readSaveManifest(file);
    const skip = manifest ? skippableLayerPaths(manifest, shared) : new Set<string>();
    if (!skip.size) return undefined;
    let bytes = 0;
    const load = await run('docker', ['load', '--quiet'], { env: dockerEnv(to), input: withoutEntries(file, skip, (n) => (bytes += n)), ...(signal ? { signal } : {}) });
    return { bytes, skipped: skip.size, load };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
