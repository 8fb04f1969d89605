import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { PreevyError } from '../errors/preevy-error.js';
import { dockerEnv } from '../driver/docker-host-driver.js';
import type { ProcessRunner } from '../process/process-runner.js';

/**
 * The spec's reference implementation (`@devcontainers/cli`) does the devcontainer work: config
 * substitution, features, image/Dockerfile/compose builds, lifecycle commands with their markers.
 * It has no programmatic API (only its `devcontainer` bin), so it runs as a child process bound
 * to the environment's engine through DOCKER_HOST, exactly as the docker CLI is.
 */
export const devcontainerCliPath = (): string => join(dirname(createRequire(import.meta.url).resolve('@devcontainers/cli/package.json')), 'devcontainer.js');

export interface DevcontainerUpRequest {
  /** The local folder: the CLI reads devcontainer.json and builds from there. */
  folder: string;
  configFile: string;
  /** A devcontainer.json read in place of `configFile`'s text; paths still resolve from `configFile`. */
  overrideConfigFile: string;
  /** Set on the container; the CLI finds an existing container by them. */
  idLabels: Readonly<Record<string, string>>;
  mounts: readonly string[];
  cacheFrom?: readonly string[];
  dockerHost: string | undefined;
  /** Recreate the container (a changed devcontainer.json). */
  recreate: boolean;
  run: ProcessRunner;
  signal?: AbortSignal | undefined;
  /** The environment the CLI runs in (DOCKER_HOST is set from the connection on top of it). */
  env?: NodeJS.ProcessEnv;
}

const upResultSchema = z.union([
  z.object({ outcome: z.literal('success'), containerId: z.string().min(1), remoteUser: z.string().min(1), remoteWorkspaceFolder: z.string().min(1), composeProjectName: z.string().optional() }).loose(),
  z.object({ outcome: z.literal('error'), message: z.string(), description: z.string().optional() }).loose(),
]);

export interface DevcontainerUpResult {
  containerId: string;
  remoteUser: string;
  remoteWorkspaceFolder: string;
  composeProjectName?: string | undefined;
}

/** The last line of the CLI's stdout that is a JSON object `schema` accepts: its result (the log goes to stderr). Pure. */
const resultLine = <T extends z.ZodType>(stdout: string, schema: T): z.infer<T> | undefined => {
  for (const line of stdout.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = schema.safeParse(JSON.parse(line));
      if (parsed.success) return parsed.data;
    } catch {
      // not the result line
    }
  }
  return undefined;
};

/** The result line of `devcontainer up`. Pure. */
export const parseUpOutput = (stdout: string): z.infer<typeof upResultSchema> | undefined => resultLine(stdout, upResultSchema);

/** The error lines of the CLI's JSON log on stderr, for a failure's cause. Pure. */
export const errorLines = (stderr: string, count = 20): string =>
  stderr
    .split('\n')
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { text?: unknown };
        return typeof entry.text === 'string' ? entry.text : line;
      } catch {
        return line;
      }
    })
    .filter((l) => l.trim())
    .slice(-count)
    .join('\n');

export interface DevcontainerBuildRequest {
  folder: string;
  configFile: string;
  imageName: string;
  cacheFrom?: readonly string[];
  dockerHost: string | undefined;
  run: ProcessRunner;
  signal?: AbortSignal | undefined;
  env?: NodeJS.ProcessEnv;
}

/** `devcontainer build --image-name` against the environment's engine: the image (and features) of devcontainer.json, tagged. */
export const devcontainerBuild = async (req: DevcontainerBuildRequest): Promise<void> => {
  const args = [
    devcontainerCliPath(),
    'build',
    '--workspace-folder', req.folder,
    '--config', req.configFile,
    '--image-name', req.imageName,
    '--log-format', 'json',
    ...(req.cacheFrom ?? []).flatMap((c) => ['--cache-from', c]),
  ];
  const res = await req.run(process.execPath, args, { cwd: req.folder, env: dockerEnv({ dockerHost: req.dockerHost }, req.env), ...(req.signal ? { signal: req.signal } : {}) });
  const result = parseBuildOutput(res.stdout);
  if (res.exitCode === 0 && result?.outcome === 'success') return;
  const message = result?.outcome === 'error' ? result.message : `exit code ${res.exitCode}`;
  throw new PreevyError(`Building the devcontainer image failed: ${message}`, {
    code: 'DEVCONTAINER_BUILD_FAILED',
    kind: 'invalid-input',
    suggestions: ['Read the devcontainer CLI output below; run again with --debug for all of it.', 'Check the image, Dockerfile and features named in devcontainer.json.'],
    cause: new Error(errorLines(res.stderr)),
  });
};

const buildResultSchema = z.union([
  z.object({ outcome: z.literal('success') }).loose(),
  z.object({ outcome: z.literal('error'), message: z.string() }).loose(),
]);

/** The result line of `devcontainer build`. Pure. */
export const parseBuildOutput = (stdout: string): z.infer<typeof buildResultSchema> | undefined => resultLine(stdout, buildResultSchema);

/** `devcontainer up` against the environment's engine; its result, or DEVCONTAINER_UP_FAILED with the CLI's own words. */
export const devcontainerUp = async (req: DevcontainerUpRequest): Promise<DevcontainerUpResult> => {
  const args = [
    devcontainerCliPath(),
    'up',
    '--workspace-folder', req.folder,
    '--config', req.configFile,
    '--override-config', req.overrideConfigFile,
    // The sources are synced into a volume: the git root is not what the container sees.
    '--mount-workspace-git-root', 'false',
    // Files live in a volume on the host, not in a bind of the laptop's folder: no uid to match.
    '--update-remote-user-uid-default', 'never',
    '--log-format', 'json',
    ...Object.entries(req.idLabels).flatMap(([k, v]) => ['--id-label', `${k}=${v}`]),
    ...req.mounts.flatMap((m) => ['--mount', m]),
    ...(req.cacheFrom ?? []).flatMap((c) => ['--cache-from', c]),
    ...(req.recreate ? ['--remove-existing-container'] : []),
  ];
  const res = await req.run(process.execPath, args, { cwd: req.folder, env: dockerEnv({ dockerHost: req.dockerHost }, req.env), ...(req.signal ? { signal: req.signal } : {}) });
  const result = parseUpOutput(res.stdout);
  if (res.exitCode === 0 && result?.outcome === 'success') {
    return { containerId: result.containerId, remoteUser: result.remoteUser, remoteWorkspaceFolder: result.remoteWorkspaceFolder, composeProjectName: result.composeProjectName };
  }
  const message = result?.outcome === 'error' ? result.message : `exit code ${res.exitCode}`;
  throw new PreevyError(`Building or starting the devcontainer failed: ${message}`, {
    code: 'DEVCONTAINER_UP_FAILED',
    kind: 'invalid-input',
    suggestions: ['Read the devcontainer CLI output below; run again with --debug for all of it.', 'Check the image, Dockerfile and features named in devcontainer.json.'],
    cause: new Error(errorLines(res.stderr)),
  });
};
