import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type * as Jsonc from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { PreevyError } from '../errors/preevy-error.js';

/**
 * The devcontainer.json keys preevy reads or supports, typed loosely enough for the spec (the
 * reference CLI does the rest): a wrong type here is a clear error naming the file and the key
 * before anything is created, where the CLI would fail half-way with a stack.
 */
const lifecycleCommand = z.union([z.string(), z.array(z.string()), z.record(z.string(), z.union([z.string(), z.array(z.string())]))]);
const envMap = z.record(z.string(), z.union([z.string(), z.null()]));
const port = z.union([z.number().int().min(1).max(65535), z.string().regex(/^([^:]+:)?\d{1,5}$/, 'must be a port number or "host:port"')]);

// Required on first use: only workspace commands read a devcontainer.json, and every other command starts faster without it.
const jsonc = (): typeof Jsonc => createRequire(import.meta.url)('jsonc-parser') as typeof Jsonc;

export const devcontainerSchema = z
  .object({
    name: z.string().optional(),
    image: z.string().min(1).optional(),
    build: z
      .object({
        dockerfile: z.string().min(1).optional(),
        context: z.string().optional(),
        args: z.record(z.string(), z.string()).optional(),
        target: z.string().optional(),
        cacheFrom: z.union([z.string(), z.array(z.string())]).optional(),
      })
      .loose()
      .optional(),
    dockerFile: z.string().min(1).optional(),
    dockerComposeFile: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    service: z.string().min(1).optional(),
    runServices: z.array(z.string()).optional(),
    features: z.record(z.string(), z.union([z.record(z.string(), z.unknown()), z.string(), z.boolean()])).optional(),
    containerEnv: z.record(z.string(), z.string()).optional(),
    remoteEnv: envMap.optional(),
    remoteUser: z.string().min(1).optional(),
    containerUser: z.string().min(1).optional(),
    mounts: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
    runArgs: z.array(z.string()).optional(),
    forwardPorts: z.array(port).optional(),
    portsAttributes: z.record(z.string(), z.object({ label: z.string().optional(), protocol: z.enum(['http', 'https']).optional() }).loose()).optional(),
    workspaceFolder: z.string().startsWith('/', 'must be an absolute path in the container').optional(),
    workspaceMount: z.string().optional(),
    initializeCommand: lifecycleCommand.optional(),
    onCreateCommand: lifecycleCommand.optional(),
    updateContentCommand: lifecycleCommand.optional(),
    postCreateCommand: lifecycleCommand.optional(),
    postStartCommand: lifecycleCommand.optional(),
    postAttachCommand: lifecycleCommand.optional(),
  })
  .loose()
  .superRefine((c, ctx) => {
    const sources = [c.image !== undefined, c.build?.dockerfile !== undefined || c.dockerFile !== undefined, c.dockerComposeFile !== undefined].filter(Boolean).length;
    if (sources === 0) ctx.addIssue({ code: 'custom', path: [], message: 'needs one of "image", "build.dockerfile" or "dockerComposeFile"' });
    if (c.dockerComposeFile !== undefined && !c.service) ctx.addIssue({ code: 'custom', path: ['service'], message: 'is required with "dockerComposeFile"' });
  });

export type DevcontainerJson = z.infer<typeof devcontainerSchema>;

export interface DevcontainerConfig {
  /** Absolute path of the devcontainer.json. */
  file: string;
  /** The folder the workspace is made of (the sources). */
  folder: string;
  /** As written (comments dropped); `${…}` variables are left for the reference CLI to substitute. */
  json: DevcontainerJson;
  /** The raw text, for hashing what a rebuild depends on. */
  text: string;
}

const CANDIDATES = ['.devcontainer/devcontainer.json', '.devcontainer.json'];

const invalid = (file: string, folder: string, problem: string): PreevyError =>
  new PreevyError(`${relative(folder, file) || file}: ${problem}`, {
    code: 'DEVCONTAINER_INVALID',
    kind: 'invalid-input',
    suggestions: ['Fix the key named above; the supported keys are listed in the README (Workspaces).'],
  });

/** 1-based line and column of an offset in text. Pure. */
const position = (text: string, offset: number): string => {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
};

/** The devcontainer.json of `folder` (or `configFile`), parsed as JSON with comments and checked. */
export const loadDevcontainerConfig = async (folder: string, configFile?: string): Promise<DevcontainerConfig> => {
  const root = resolve(folder);
  const tried = configFile ? [resolve(configFile)] : CANDIDATES.map((c) => join(root, c));
  for (const file of tried) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (text === undefined) continue;
    return { file, folder: root, text, json: parseDevcontainerJson(text, file, root) };
  }
  throw new PreevyError(`No devcontainer.json in ${root} (looked for ${tried.map((t) => relative(root, t) || t).join(', ')})`, {
    code: 'DEVCONTAINER_NOT_FOUND',
    kind: 'not-found',
    suggestions: ['Point at the folder that has .devcontainer/devcontainer.json, or pass --config.'],
  });
};

/** Parses devcontainer.json text; errors name the file, the line or the key. Pure. */
export const parseDevcontainerJson = (text: string, file: string, folder: string): DevcontainerJson => {
  const errors: ParseError[] = [];
  const { parse, printParseErrorCode } = jsonc();
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) throw invalid(file, folder, `${printParseErrorCode(errors[0]!.error)} at ${position(text, errors[0]!.offset)}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, folder, 'must be a JSON object');
  const parsed = devcontainerSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.length ? issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') : '';
    throw invalid(file, folder, key ? `"${key}" ${issue.message}` : issue.message);
  }
  return parsed.data;
};
