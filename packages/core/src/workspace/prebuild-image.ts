import { createHash } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { COMPOSE_LABELS, LABELS } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/preevy-error.js';
import { inspectImage } from '../images/inspect-image.js';
import type { DockerCli } from '../up/agent-state-reader.js';
import { localManifest, type Manifest } from '../sync/manifest.js';
import type { ProgressReporter } from '../progress.js';
import { loadComposeModel } from '../compose/load-compose-model.js';
import type { ProcessRunner } from '../process/process-runner.js';
import type { DevcontainerConfig, DevcontainerJson } from './devcontainer-config.js';
import { devcontainerBuild } from './devcontainer-cli.js';

/**
 * Prebuilt devcontainer images: an image or Dockerfile devcontainer, or a compose devcontainer's
 * own service (with its features), is built once per content as `preevy-ws-<hash>` on the host,
 * and every container made from the same build inputs (a remade container, a second workspace of
 * the same sources) starts from it.
 */
export const PREBUILD_PREFIX = 'preevy-ws-';
/** On every prebuilt image: `docker image ls --filter label=preevy.workspace-prebuild` lists them for pruning. */
export const PREBUILD_LABEL = `${LABELS.workspace}-prebuild`;
/** The CLI's label with the features' (and the config's) lifecycle and container settings. */
export const METADATA_LABEL = 'devcontainer.metadata';

/** The devcontainer.json keys the image is built from (features install as remoteUser/containerUser). */
export const BUILD_KEYS = ['image', 'build', 'dockerFile', 'context', 'features', 'overrideFeatureInstallOrder', 'remoteUser', 'containerUser'] as const;
/** Keys that only build: the container made from the prebuilt image gets `image` instead. */
const BUILD_ONLY_KEYS = ['image', 'build', 'dockerFile', 'context', 'features', 'overrideFeatureInstallOrder'];
/** A compose devcontainer's keys that only build (its service's image is set in a compose file instead). */
const COMPOSE_BUILD_ONLY_KEYS = ['features', 'overrideFeatureInstallOrder'];
/** The keys of a compose service (as `docker compose config` resolves it) its image is made of (features install as `user`). */
export const COMPOSE_SERVICE_BUILD_KEYS = ['image', 'build', 'user', 'platform'] as const;

/**
 * Keys the reference CLI copies from devcontainer.json into the image's metadata label on
 * `devcontainer build` (its list, as of 0.89); they are dropped from the label so the container's
 * own config supplies them (else its lifecycle commands would run twice).
 */
export const CONFIG_METADATA_KEYS: ReadonlySet<string> = new Set([
  'onCreateCommand', 'updateContentCommand', 'postCreateCommand', 'postStartCommand', 'postAttachCommand', 'waitFor', 'customizations', 'mounts',
  'containerEnv', 'containerUser', 'init', 'privileged', 'capAdd', 'securityOpt', 'remoteUser', 'userEnvProbe', 'remoteEnv', 'overrideCommand',
  'portsAttributes', 'otherPortsAttributes', 'forwardPorts', 'shutdownAction', 'updateRemoteUserUID', 'hostRequirements', 'entrypoint',
]);

export interface PrebuildInputs {
  /** The BUILD_KEYS present in devcontainer.json, as written (with `composeService`: the compose service's, see `composeImageKeys`). */
  keys: Record<string, unknown>;
  /** Values of the local variables those keys name (`${localEnv:X}`, `${localWorkspaceFolder}`, …). */
  variables: Record<string, string>;
  /** Every file read by the build: `<role>:<relative path>` → sha256 and mode. */
  files: Manifest;
}

/** JSON with sorted object keys: the same value always hashes the same. Pure. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(value ?? null);
};

/** The image tag for build inputs (format versioned, so a change of what is hashed never reuses an old image). Pure. */
export const prebuildTag = (inputs: PrebuildInputs): string => {
  const h = createHash('sha256').update('preevy-ws-prebuild-v1\0').update(canonical(inputs.keys)).update('\0').update(canonical(inputs.variables)).update('\0');
  for (const path of Object.keys(inputs.files).sort()) h.update(`${path}\0${inputs.files[path]!.sha256}\0${inputs.files[path]!.mode.toString(8)}\0`);
  return `${PREBUILD_PREFIX}${h.digest('hex').slice(0, 16)}`;
};

/** The build keys of a devcontainer.json (of a compose one: those its features use; the service's come from compose). Pure. */
export const buildKeys = (json: DevcontainerJson): Record<string, unknown> => {
  const keys = json.dockerComposeFile === undefined ? BUILD_KEYS : BUILD_KEYS.filter((k) => !['image', 'build', 'dockerFile', 'context'].includes(k));
  return Object.fromEntries(keys.filter((k) => json[k] !== undefined).map((k) => [k, json[k]]));
};

/** A local path as the hash sees it: relative to the sources when inside them, so two folders of the same sources hash the same. Pure. */
const portablePath = (path: string, folder: string): string => {
  const rel = relative(folder, path);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
};

/** A build context that is a URL (git, tarball) rather than a folder. Pure. */
const isRemoteContext = (context: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@');

/**
 * What a compose service's image is made of, from its `docker compose config` form: `image`,
 * `build` (context, dockerfile, args, target, …), `user`, `platform`; local paths relative to the
 * sources. Pure.
 */
export const composeImageKeys = (service: Record<string, unknown>, folder: string): Record<string, unknown> => {
  const keys: Record<string, unknown> = Object.fromEntries(COMPOSE_SERVICE_BUILD_KEYS.filter((k) => service[k] !== undefined).map((k) => [k, service[k]]));
  const build = keys.build as Record<string, unknown> | undefined;
  if (build && typeof build.context === 'string' && !isRemoteContext(build.context)) {
    const context = build.context;
    keys.build = {
      ...build,
      context: portablePath(context, folder),
      ...(typeof build.dockerfile === 'string' && isAbsolute(build.dockerfile) ? { dockerfile: portablePath(build.dockerfile, folder) } : {}),
    };
  }
  return keys;
};

/** The compose files of a compose devcontainer, absolute. Pure. */
export const composeFilesOf = (config: DevcontainerConfig): string[] => [config.json.dockerComposeFile ?? []].flat().map((f) => resolve(dirname(config.file), f));

/** Reads a compose devcontainer's own service as `docker compose config` resolves it. */
export type ComposeServiceLoader = (config: DevcontainerConfig) => Promise<Record<string, unknown>>;

/** The devcontainer's service from the real Compose CLI (the user's files only: preevy's own add no image input). */
export const loadComposeService: ComposeServiceLoader = async (config) => {
  // Every profile, as the reference CLI reads the project: the service may sit in one.
  const model = await loadComposeModel({ files: composeFilesOf(config), profiles: ['*'], cwd: dirname(config.file) });
  const services = (model.raw.services ?? {}) as Record<string, Record<string, unknown>>;
  const service = services[config.json.service!];
  if (!service) {
    throw new PreevyError(`${relative(config.folder, config.file) || config.file}: "service" names ${config.json.service}, which the compose files do not define`, {
      code: 'DEVCONTAINER_INVALID',
      kind: 'invalid-input',
      suggestions: [`Define the service in ${composeFilesOf(config).join(', ')} or fix "service" in devcontainer.json.`],
    });
  }
  return service;
};

/** The local variables a text substitutes, with their values here. Pure. */
export const localVariables = (text: string, folder: string, env: NodeJS.ProcessEnv): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/\$\{(localEnv|env):([^}:]+)(?::([^}]*))?\}/g)) out[`env:${m[2]}`] = env[m[2]!] ?? m[3] ?? '';
  if (text.includes('${localWorkspaceFolderBasename}')) out.localWorkspaceFolderBasename = basename(folder);
  if (/\$\{localWorkspaceFolder\}/.test(text)) out.localWorkspaceFolder = folder;
  return out;
};

/** Local features (`./x`, `../x`): folders next to devcontainer.json, built into the image. Pure. */
export const localFeatureDirs = (json: DevcontainerJson): string[] => Object.keys(json.features ?? {}).filter((id) => id.startsWith('./') || id.startsWith('../'));

/**
 * What the prebuilt image is made of: the build keys, the variables in them, the Dockerfile, the
 * build context and local features' files; of a compose devcontainer, its service's compose
 * definition (`loadService`) in place of devcontainer.json's image and build.
 */
export const collectPrebuildInputs = async (config: DevcontainerConfig, env: NodeJS.ProcessEnv, loadService: ComposeServiceLoader = loadComposeService): Promise<PrebuildInputs> => {
  const keys = buildKeys(config.json);
  const variables = localVariables(JSON.stringify(keys), config.folder, env);
  const configDir = dirname(config.file);
  // devcontainer.json and the compose files (often in the context) count by their build keys only: a lifecycle or other service's edit keeps the image.
  // The lockfile beside devcontainer.json is written by the build itself: counted, the sources' next hash would differ from the first.
  const lockfile = join(configDir, basename(config.file).startsWith('.') ? '.devcontainer-lock.json' : 'devcontainer-lock.json');
  const skipped = new Set([config.file, lockfile, ...(config.json.dockerComposeFile === undefined ? [] : composeFilesOf(config))]);
  const files: Manifest = {};
  const add = async (role: string, path: string): Promise<void> => {
    const { kind, manifest } = await localManifest(path);
    for (const [rel, entry] of Object.entries(manifest)) {
      if (kind === 'dir' && skipped.has(resolve(path, rel))) continue;
      files[kind === 'dir' ? `${role}:${rel}` : role] = entry;
    }
  };
  if (config.json.dockerComposeFile !== undefined) {
    // Compose has interpolated the service already: its values are in the keys, no variable is left.
    const service = await loadService(config);
    const build = service.build as { context?: unknown; dockerfile?: unknown } | undefined;
    if (build && typeof build.context === 'string' && !isRemoteContext(build.context)) {
      const dockerfile = typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile';
      await add('dockerfile', resolve(build.context, dockerfile));
      await add('context', build.context);
    }
    for (const dir of localFeatureDirs(config.json)) await add(`feature ${dir}`, resolve(configDir, dir));
    return { keys: { ...keys, composeService: composeImageKeys(service, config.folder) }, variables, files };
  }
  const dockerfile = config.json.build?.dockerfile ?? config.json.dockerFile;
  if (dockerfile) {
    await add('dockerfile', resolve(configDir, dockerfile));
    // The spec's default context is the Dockerfile's folder.
    const legacy = config.json.context;
    const context = config.json.build?.context ?? (typeof legacy === 'string' ? legacy : undefined);
    await add('context', resolve(configDir, context ?? dirname(dockerfile)));
  }
  for (const dir of localFeatureDirs(config.json)) await add(`feature ${dir}`, resolve(configDir, dir));
  return { keys, variables, files };
};

/**
 * The config a container starts from the prebuilt image with: the user's, with `image` in place
 * of what built it (lifecycle commands, env and users stay: the label no longer has them). A
 * compose devcontainer only loses its features: its service gets the image in a compose file
 * (`prebuiltServiceOverride`). Pure.
 */
export const fromPrebuiltImage = (json: Record<string, unknown>, tag: string): Record<string, unknown> => {
  if (json.dockerComposeFile !== undefined) return Object.fromEntries(Object.entries(json).filter(([k]) => !COMPOSE_BUILD_ONLY_KEYS.includes(k)));
  return { ...Object.fromEntries(Object.entries(json).filter(([k]) => !BUILD_ONLY_KEYS.includes(k))), image: tag };
};

/** True for a Compose version (`docker compose version --short`) with the `!reset` tag (2.24+). Pure. */
export const composeHasReset = (version: string): boolean => {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return m !== null && (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 24));
};

/** Compose's tag that drops a key the earlier files set (Compose 2.24+); JSON cannot spell it. */
const RESET = '!reset null';

/**
 * A compose file's JSON text with `"build": null` written as `"build": !reset null` (YAML, which
 * JSON is part of): the service runs its image with no build. JSON.stringify puts each key on its
 * own line and escapes quotes in strings, so only a key line matches. Pure.
 */
export const withBuildReset = (jsonText: string): string => jsonText.replace(/^(\s*)"build": null(,?)$/gm, `$1"build": ${RESET}$2`);

/**
 * The image's metadata label without the entry `devcontainer build` made of devcontainer.json
 * itself (the last one, holding only config keys); undefined when it is not recognisably there. Pure.
 */
export const withoutConfigEntry = (label: string, json: DevcontainerJson): string | undefined => {
  let entries: unknown;
  try {
    entries = JSON.parse(label);
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries)) return undefined;
  const own = Object.keys(json).filter((k) => CONFIG_METADATA_KEYS.has(k));
  if (!own.length) return label; // nothing of the config's was added
  const last = entries.at(-1) as Record<string, unknown> | undefined;
  if (!last || typeof last !== 'object' || 'id' in last) return undefined;
  const keys = Object.keys(last);
  if (!keys.every((k) => own.includes(k))) return undefined;
  return JSON.stringify(entries.slice(0, -1));
};

export const prebuildFailed = (what: string, stderr: string): PreevyError =>
  new PreevyError(`Could not prepare the prebuilt devcontainer image: ${what}`, {
    code: 'WORKSPACE_PREBUILD_FAILED',
    kind: 'unavailable',
    suggestions: ['Run `preevy workspace up` again with --debug for the docker output.', 'Check that the Docker host answers and has room for images.'],
    cause: new Error(stderr.trim().split('\n').slice(-5).join('\n')),
  });

/**
 * The `--label` arguments of the prebuilt image: the rewritten metadata, the prebuild mark, and the
 * compose project labels a compose build left blanked: `compose down --rmi local` of the project
 * that built it removes the images labelled with it, and this one is a cache shared by workspaces. Pure.
 */
export const prebuildLabelArgs = (labels: Readonly<Record<string, string>>, metadata: string): string[] => [
  '--label', `${METADATA_LABEL}=${metadata}`,
  '--label', `${PREBUILD_LABEL}=1`,
  ...[COMPOSE_LABELS.project, COMPOSE_LABELS.service].filter((k) => labels[k]).flatMap((k) => ['--label', `${k}=`]),
];

/**
 * Tags `built` (what `devcontainer build` made) as `tag` with the metadata label rewritten (a
 * build of one `FROM` line: no layer), then drops the `built` tag.
 */
export const relabelImage = async (docker: DockerCli, built: string, tag: string, json: DevcontainerJson): Promise<boolean> => {
  const read = await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', built]);
  if (read.exitCode !== 0) throw prebuildFailed(`reading ${built}`, read.stderr);
  const labels = (JSON.parse(read.stdout.trim() || 'null') ?? {}) as Record<string, string>;
  const label = withoutConfigEntry(labels[METADATA_LABEL] ?? '', json);
  if (label === undefined) return false;
  const made = await docker(['build', '--quiet', '--tag', tag, ...prebuildLabelArgs(labels, label), '-'], { input: `FROM ${built}\n` });
  if (made.exitCode !== 0) throw prebuildFailed(`tagging ${tag}`, made.stderr);
  await docker(['image', 'rm', built]);
  return true;
};

export interface PrebuildRequest {
  config: DevcontainerConfig;
  /** The folder the CLI builds from (its `--workspace-folder`). */
  folder: string;
  cacheFrom: readonly string[];
  docker: DockerCli;
  dockerHost: string | undefined;
  run: ProcessRunner;
  env: NodeJS.ProcessEnv;
  progress: ProgressReporter;
  signal?: AbortSignal | undefined;
  /** Default: the real Compose CLI. */
  loadService?: ComposeServiceLoader;
}

/** Names a prebuilt image (a container's `Config.Image`). Pure. */
export const isPrebuildTag = (image: string): boolean => new RegExp(`^${PREBUILD_PREFIX}[0-9a-f]{16}$`).test(image);

export interface Prebuilt {
  tag: string;
  /** False when the host had it: no build ran. */
  built: boolean;
}

/**
 * The prebuilt image of a devcontainer on the host: reused when there, else built by the reference
 * CLI (`devcontainer build`, which builds a compose devcontainer's own service) and relabelled.
 * Undefined when the CLI's label is not as expected or Compose is older than 2.24 (the caller then
 * lets `devcontainer up` build as before).
 */
export const ensurePrebuiltImage = async (req: PrebuildRequest): Promise<Prebuilt | undefined> => {
  // An older Compose could not drop the service's `build` for the image: the CLI builds it as before.
  if (req.config.json.dockerComposeFile !== undefined && !composeHasReset((await req.docker(['compose', 'version', '--short'])).stdout)) return undefined;
  const inputs = await collectPrebuildInputs(req.config, req.env, req.loadService);
  const tag = prebuildTag(inputs);
  if (await inspectImage(req.run, { dockerHost: req.dockerHost }, tag)) {
    await req.progress.step(`Reusing the devcontainer image ${tag}`, async () => undefined);
    return { tag, built: false };
  }
  return req.progress.step(`Building the devcontainer image ${tag}`, async () => {
    const staging = `${tag}:build`;
    await devcontainerBuild({ folder: req.folder, configFile: req.config.file, imageName: staging, cacheFrom: req.cacheFrom, dockerHost: req.dockerHost, run: req.run, env: req.env, signal: req.signal });
    if (!(await relabelImage(req.docker, staging, tag, req.config.json))) {
      await req.docker(['image', 'rm', staging]);
      return undefined;
    }
    return { tag, built: true };
  });
};
