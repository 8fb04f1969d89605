import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { LABELS } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/preevy-error.js';
import { inspectImage } from '../images/inspect-image.js';
import type { DockerCli } from '../up/agent-state-reader.js';
import { localManifest, type Manifest } from '../sync/manifest.js';
import type { ProgressReporter } from '../progress.js';
import type { ProcessRunner } from '../process/process-runner.js';
import type { DevcontainerConfig, DevcontainerJson } from './devcontainer-config.js';
import { devcontainerBuild } from './devcontainer-cli.js';

/**
 * Prebuilt devcontainer images: an image or Dockerfile devcontainer (with its features) is built
 * once per content as `preevy-ws-<hash>` on the host, and every container made from the same
 * build inputs (a remade container, a second workspace of the same sources) starts from it.
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
  /** The BUILD_KEYS present in devcontainer.json, as written. */
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

/** The build keys of a devcontainer.json (undefined when it is a compose devcontainer: not prebuilt). Pure. */
export const buildKeys = (json: DevcontainerJson): Record<string, unknown> | undefined => {
  if (json.dockerComposeFile !== undefined) return undefined;
  return Object.fromEntries(BUILD_KEYS.filter((k) => json[k] !== undefined).map((k) => [k, json[k]]));
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

/** What the prebuilt image is made of: the build keys, the variables in them, the Dockerfile, the build context and local features' files. */
export const collectPrebuildInputs = async (config: DevcontainerConfig, env: NodeJS.ProcessEnv): Promise<PrebuildInputs | undefined> => {
  const keys = buildKeys(config.json);
  if (!keys) return undefined;
  const configDir = dirname(config.file);
  const files: Manifest = {};
  const add = async (role: string, path: string): Promise<void> => {
    const { kind, manifest } = await localManifest(path);
    for (const [rel, entry] of Object.entries(manifest)) {
      // devcontainer.json (often in the context) counts by its build keys only: a lifecycle edit keeps the image.
      if (kind === 'dir' && resolve(path, rel) === config.file) continue;
      files[kind === 'dir' ? `${role}:${rel}` : role] = entry;
    }
  };
  const dockerfile = config.json.build?.dockerfile ?? config.json.dockerFile;
  if (dockerfile) {
    await add('dockerfile', resolve(configDir, dockerfile));
    // The spec's default context is the Dockerfile's folder.
    const legacy = config.json.context;
    const context = config.json.build?.context ?? (typeof legacy === 'string' ? legacy : undefined);
    await add('context', resolve(configDir, context ?? dirname(dockerfile)));
  }
  for (const dir of localFeatureDirs(config.json)) await add(`feature ${dir}`, resolve(configDir, dir));
  return { keys, variables: localVariables(JSON.stringify(keys), config.folder, env), files };
};

/**
 * The config a container starts from the prebuilt image with: the user's, with `image` in place
 * of what built it (lifecycle commands, env and users stay: the label no longer has them). Pure.
 */
export const fromPrebuiltImage = (json: Record<string, unknown>, tag: string): Record<string, unknown> => ({
  ...Object.fromEntries(Object.entries(json).filter(([k]) => !BUILD_ONLY_KEYS.includes(k))),
  image: tag,
});

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
 * Tags `built` (what `devcontainer build` made) as `tag` with the metadata label rewritten (a
 * build of one `FROM` line: no layer), then drops the `built` tag.
 */
export const relabelImage = async (docker: DockerCli, built: string, tag: string, json: DevcontainerJson): Promise<boolean> => {
  const read = await docker(['image', 'inspect', '--format', `{{index .Config.Labels "${METADATA_LABEL}"}}`, built]);
  if (read.exitCode !== 0) throw prebuildFailed(`reading ${built}`, read.stderr);
  const label = withoutConfigEntry(read.stdout.trim(), json);
  if (label === undefined) return false;
  const made = await docker(['build', '--quiet', '--tag', tag, '--label', `${METADATA_LABEL}=${label}`, '--label', `${PREBUILD_LABEL}=1`, '-'], { input: `FROM ${built}\n` });
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
}

export interface Prebuilt {
  tag: string;
  /** False when the host had it: no build ran. */
  built: boolean;
}

/**
 * The prebuilt image of an image or Dockerfile devcontainer on the host: reused when there, else
 * built by the reference CLI and relabelled. Undefined for a compose devcontainer, or when the
 * CLI's label is not as expected (the caller then lets `devcontainer up` build as before).
 */
export const ensurePrebuiltImage = async (req: PrebuildRequest): Promise<Prebuilt | undefined> => {
  const inputs = await collectPrebuildInputs(req.config, req.env);
  if (!inputs) return undefined;
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
