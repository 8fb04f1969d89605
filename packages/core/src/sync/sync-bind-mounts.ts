import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ComposeModel } from '../compose/compose-model.js';
import { deployedServices } from '../compose/deployed-services.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { DockerCli } from '../up/agent-state-reader.js';
import { diffManifests, fileEntry, formatManifest, isSymlinkEntry, localManifest, parseManifest, symlinkEntry, type LocalSource, type Manifest } from './manifest.js';
import { packArchive, type ArchiveEntry } from './pack-archive.js';
import { tarRegularFiles } from './tar-first-file.js';

/** A small public image with `sh` and `tar`: the helper containers that read and write the sync volume. */
export const DEFAULT_SYNC_IMAGE = 'busybox:1.36';

/** The local engine sees the local files: no sync. Anything else (tcp://, ssh://, …) is another machine. */
export const isLocalEngine = (dockerHost: string | undefined): boolean => !dockerHost || dockerHost.startsWith('unix://');

/** The one volume per environment that holds its synced files. */
export const syncVolumeName = (envId: string): string => `preevy-sync-${envId}`;

/**
 * A marker volume beside the sync volume, named after the hash of every manifest in it: present
 * only while the sync volume holds exactly that, so an unchanged `up` learns it from one volume
 * listing instead of starting a helper container (about 1 s through a port-forward). It is
 * removed before any write, so an interrupted sync leaves no marker.
 */
const syncMarkerPrefix = (volume: string): string => `${volume}.state-`;

/** The hash of the manifests of every source, as the sync volume holds them after a sync. Pure. */
export const syncStateHash = (manifests: ReadonlyArray<readonly [dir: string, manifest: Manifest]>): string => {
  const h = createHash('sha256');
  for (const [dir, manifest] of [...manifests].sort(([a], [b]) => a.localeCompare(b))) h.update(`${dir}\n${formatManifest(manifest)}\0`);
  return h.digest('hex').slice(0, 24);
};

/** The directory of a source in the sync volume: stable for a path, and short. Pure. */
export const syncDirOf = (source: string): string => createHash('sha256').update(source).digest('hex').slice(0, 16);

/** Absolute bind-mount sources of the deployed services, each once, sorted. Pure. */
export const bindSources = (model: ComposeModel, services?: readonly string[]): string[] =>
  [
    ...new Set(
      deployedServices(model, services).flatMap((name) => model.services[name]!.volumes.filter((v) => v.type === 'bind' && v.source !== undefined).map((v) => v.source!)),
    ),
  ].sort();

/**
 * Points every bind mount whose source is in `mapping` at its copy on the Docker host, keeping
 * every other option (read_only, bind propagation, …). Other volumes are untouched. Pure.
 */
export const rewriteBindMounts = (raw: Record<string, unknown>, mapping: Readonly<Record<string, string>>): Record<string, unknown> => {
  const services = raw.services as Record<string, Record<string, unknown>> | undefined;
  if (!services) return raw;
  const rewrite = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const { type, source } = v as { type?: unknown; source?: unknown };
    return type === 'bind' && typeof source === 'string' && Object.hasOwn(mapping, source) ? { ...v, source: mapping[source] } : v;
  };
  return {
    ...raw,
    services: Object.fromEntries(Object.entries(services).map(([name, s]) => [name, Array.isArray(s.volumes) ? { ...s, volumes: s.volumes.map(rewrite) } : s])),
  };
};

export interface SyncRequest {
  model: ComposeModel;
  envId: string;
  /** The docker CLI bound to the environment's (remote) engine. */
  docker: DockerCli;
  /** The environment's labels: on the volume and the helper containers, so `down` removes them. */
  labels: Readonly<Record<string, string>>;
  /** The services being deployed (default: all). */
  services?: readonly string[] | undefined;
  /** Image of the helper containers (default {@link DEFAULT_SYNC_IMAGE}); needs `sh` and `tar`. */
  syncImage?: string | undefined;
}

export interface SyncCounts {
  /** Files and links sent (new or changed). */
  sent: number;
  unchanged: number;
  /** Removed on the host because they are gone locally. */
  deleted: number;
  /** Content bytes sent. */
  bytes: number;
}

export interface SyncResult extends SyncCounts {
  volume: string;
  /** Local bind source → the path of its copy on the Docker host (for {@link rewriteBindMounts}). */
  mapping: Record<string, string>;
}

const STATE = '.preevy';

/** Where the archive lands in the write helper's own file system (`docker cp`), before the script runs. */
const INBOX = 'preevy-in';

// The archive is already in /${INBOX} (staged by `docker cp`), one manifest per folder to write;
// each folder's manifest is removed before its files change and written back last, so an
// interrupted sync only makes the next one send everything.
const WRITE_SCRIPT = `set -e
cd /sync
mkdir -p ${STATE}
for m in /${INBOX}/*.manifest; do d=$(basename "$m" .manifest); rm -f "${STATE}/$d.manifest"; done
for m in /${INBOX}/*.manifest; do
  d=$(basename "$m" .manifest)
  if [ -f "/${INBOX}/$d.delete" ]; then
    while IFS= read -r f; do rm -rf "$d/$f"; rmdir -p "$(dirname "$d/$f")" 2>/dev/null || true; done < "/${INBOX}/$d.delete"
  fi
  mkdir -p "$d"
  if [ -d "/${INBOX}/$d" ]; then (cd "/${INBOX}/$d" && tar -c -f - .) | tar -x -f - -C "$d"; fi
  mv "$m" "${STATE}/$d.manifest"
done`;

const syncFailed = (what: string, stderr: string, image: string): PreevyError =>
  new PreevyError(`Syncing bind-mounted files to the Docker host failed: ${what}`, {
    code: 'SYNC_FAILED',
    kind: 'unavailable',
    suggestions: [
      `Check that image ${image} (sh and tar) is on the Docker host or can be pulled (no registry? \`docker save ${image} | docker -H HOST load\`, or pick another with --sync-image).`,
      'Run again with --debug for the output of docker.',
    ],
    cause: new Error(stderr.trim().split('\n').slice(-15).join('\n')),
  });

/** The manifests in a `docker cp HELPER:/sync/.preevy -` archive, by source folder. Pure. */
export const manifestsOfArchive = (tar: Buffer): Map<string, Manifest> =>
  new Map(
    tarRegularFiles(tar).flatMap(({ name, content }) => {
      const dir = name.startsWith(`${STATE}/`) && name.endsWith('.manifest') ? name.slice(STATE.length + 1, -'.manifest'.length) : '';
      return dir && !dir.includes('/') ? [[dir, parseManifest(content.toString('utf8'))] as const] : [];
    }),
  );

/** `docker cp` of a path the container does not have (a new volume): nothing synced yet. */
const isMissingPath = (stderr: string): boolean => /could not find the file|no such file or directory/i.test(stderr);

/** A source with something to write on the host: its paths to send and to delete there. */
interface SourceToWrite extends LocalSource {
  source: string;
  dir: string;
  send: readonly string[];
  deleted: readonly string[];
}

/**
 * The archive's entries, made one at a time as the archive is read: each source's files and links,
 * then its manifest and its list of deletions. The manifest is made from what was actually sent
 * (hash and mode read while streaming), so a file edited since it was hashed is recorded as sent.
 */
function* archiveEntries(toWrite: readonly SourceToWrite[], mtime: Date, counts: SyncCounts, written: Map<string, Manifest>): Generator<ArchiveEntry> {
  for (const { source, dir, kind, manifest, send, deleted } of toWrite) {
    const sent: Manifest = {};
    for (const rel of send) {
      const name = `${INBOX}/${dir}/${rel}`;
      const path = kind === 'file' ? source : join(source, ...rel.split('/'));
      if (kind === 'dir' && isSymlinkEntry(manifest[rel]!)) {
        yield { type: 'symlink', name, path, mtime, onSent: (target) => {
          sent[rel] = symlinkEntry(target);
          counts.sent += 1;
        } };
      } else {
        yield { type: 'file', name, path, mtime, onSent: ({ sha256, mode, size }) => {
          sent[rel] = fileEntry(sha256, mode);
          counts.sent += 1;
          counts.bytes += size;
        } };
      }
    }
    written.set(dir, { ...manifest, ...sent });
    yield { type: 'content', name: `${INBOX}/${dir}.manifest`, mode: 0o644, mtime, content: formatManifest(written.get(dir)!) };
    if (deleted.length) yield { type: 'content', name: `${INBOX}/${dir}.delete`, mode: 0o644, mtime, content: deleted.map((p) => `${p}\n`).join('') };
  }
}

/**
 * Copies every bind-mount source of the deployed services into the environment's sync volume on
 * the Docker host, sending only files whose content or mode changed since the last sync (by the
 * manifest kept in the volume) and deleting there what is gone locally. Content never goes to logs.
 */
export const syncBindMounts = ({ model, envId, docker, labels, services, syncImage = DEFAULT_SYNC_IMAGE }: SyncRequest): Promise<SyncResult> =>
  syncToVolume({ sources: bindSources(model, services), volume: syncVolumeName(envId), helperName: `preevy-sync-${envId}`, docker, labels, syncImage });

export interface VolumeSyncRequest {
  /** Absolute local files or folders. */
  sources: readonly string[];
  volume: string;
  /** The folder of a source in the volume (default: {@link syncDirOf}, a hash of its path). */
  dirOf?: ((source: string) => string) | undefined;
  /** Prefix of the helper container's name. */
  helperName: string;
  docker: DockerCli;
  labels: Readonly<Record<string, string>>;
  syncImage: string;
}

/**
 * Copies local files and folders into a volume on a Docker host, each into its own folder there,
 * sending only what changed since the last sync (by the manifest kept in the volume) and deleting
 * there what is gone locally. Files made on the host that were never sent stay.
 */
export const syncToVolume = async ({ sources, volume, dirOf = syncDirOf, helperName, docker, labels, syncImage }: VolumeSyncRequest): Promise<SyncResult> => {
  const counts: SyncCounts = { sent: 0, unchanged: 0, deleted: 0, bytes: 0 };
  if (!sources.length) return { volume, mapping: {}, ...counts };

  const locals = await Promise.all(sources.map(async (source) => ({ source, dir: dirOf(source), ...(await localManifest(source)) })));
  const mappingAt = (mountpoint: string) =>
    Object.fromEntries(locals.map(({ source, dir, kind, manifest }) => [source, kind === 'file' ? `${mountpoint}/${dir}/${Object.keys(manifest)[0]!}` : `${mountpoint}/${dir}`]));
  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);

  // The sync volume and its marker, in one call: the marker of the local state means nothing to send.
  const listed = await docker(['volume', 'ls', '--filter', `name=${volume}`, '--format', '{{.Name}}\t{{.Mountpoint}}']);
  if (listed.exitCode !== 0) throw syncFailed(`could not list the volumes named ${volume}`, listed.stderr, syncImage);
  const volumes = new Map(listed.stdout.split('\n').filter(Boolean).map((line) => line.split('\t') as [string, string]));
  const markers = [...volumes.keys()].filter((n) => n.startsWith(syncMarkerPrefix(volume)));
  const localHash = syncStateHash(locals.map((l) => [l.dir, l.manifest]));
  const existing = volumes.get(volume);
  if (existing && markers.includes(`${syncMarkerPrefix(volume)}${localHash}`)) {
    counts.unchanged = locals.reduce((n, l) => n + Object.keys(l.manifest).length, 0);
    return { volume, mapping: mappingAt(existing), ...counts };
  }

  let mountpoint = existing;
  if (!mountpoint) {
    const create = await docker(['volume', 'create', ...labelArgs, volume]);
    if (create.exitCode !== 0) throw syncFailed(`could not create volume ${volume}`, create.stderr, syncImage);
    const inspect = await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', volume]);
    mountpoint = inspect.stdout.trim();
    if (inspect.exitCode !== 0 || !mountpoint) throw syncFailed(`could not inspect volume ${volume}`, inspect.stderr, syncImage);
  }
  if (markers.length) {
    const removed = await docker(['volume', 'rm', '--force', ...markers]);
    if (removed.exitCode !== 0) throw syncFailed('could not remove the previous sync marker', removed.stderr, syncImage);
  }

  // One helper container, made but started only to write: the manifests it reads and the files it
  // gets go through `docker cp` (HTTP requests that end by their own framing). An attached stream
  // ends only when its connection does, which costs about a second through a Kubernetes port-forward,
  // and stdin's end is a half-close, which such a port-forward cannot carry.
  const name = `${helperName}-${randomBytes(4).toString('hex')}`;
  const created = await docker(['create', '--name', name, '--network', 'none', ...labelArgs, '-v', `${volume}:/sync`, '--entrypoint', 'sh', syncImage, '-c', WRITE_SCRIPT]);
  if (created.exitCode !== 0) throw syncFailed('could not create the helper container', created.stderr, syncImage);
  const written = new Map<string, Manifest>();
  let remote: Map<string, Manifest>;
  try {
    const read = await docker(['cp', `${name}:/sync/${STATE}`, '-']);
    if (read.exitCode !== 0 && !isMissingPath(read.stderr)) throw syncFailed('could not read what the host has', read.stderr, syncImage);
    remote = read.exitCode === 0 ? manifestsOfArchive(Buffer.from(read.stdout, 'utf8')) : new Map<string, Manifest>();

    const toWrite: SourceToWrite[] = [];
    for (const local of locals) {
      const had = remote.get(local.dir);
      const diff = diffManifests(local.manifest, had ?? {});
      counts.unchanged += diff.unchanged.length;
      counts.deleted += diff.deleted.length;
      if (!had || diff.send.length || diff.deleted.length) toWrite.push({ ...local, send: diff.send, deleted: diff.deleted });
    }

    if (toWrite.length) {
      const copied = await docker(['cp', '-', `${name}:/`], { input: packArchive(archiveEntries(toWrite, new Date(), counts, written)) });
      if (copied.exitCode !== 0) {
        throw syncFailed(copied.inputCut ? `the host stopped reading the files (exit code ${copied.exitCode})` : `could not send the files (exit code ${copied.exitCode})`, copied.stderr, syncImage);
      }
      // start, then wait; the logs are fetched only when the script failed.
      const started = await docker(['start', name]);
      if (started.exitCode !== 0) throw syncFailed('could not start the helper container', started.stderr, syncImage);
      const waited = await docker(['wait', name]);
      const exitCode = waited.exitCode === 0 ? Number(waited.stdout.trim()) : NaN;
      if (exitCode !== 0) {
        const logs = await docker(['logs', name]);
        throw syncFailed(`could not write the files on the host (exit code ${Number.isNaN(exitCode) ? 'unknown' : exitCode})`, `${waited.stderr}${logs.stderr}${logs.stdout}`, syncImage);
      }
    }
  } finally {
    await docker(['rm', '--force', name]);
  }

  // What the volume holds now: the manifests just written, and the unchanged ones it had.
  const held = locals.map((l): [string, Manifest] => [l.dir, written.get(l.dir) ?? remote.get(l.dir) ?? l.manifest]);
  // Not checked: without the marker, the next sync only reads the volume again.
  await docker(['volume', 'create', ...labelArgs, `${syncMarkerPrefix(volume)}${syncStateHash(held)}`]);
  return { volume, mapping: mappingAt(mountpoint), ...counts };
};
