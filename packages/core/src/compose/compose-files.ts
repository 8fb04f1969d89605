import { access } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { ComposeRequest } from './compose-request.js';

/** Compose v2's default file names, in its order of preference (compose-go `DefaultFileNames`). */
export const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;
/** The override files compose adds to a discovered base file (compose-go `DefaultOverrideFileNames`). */
export const DEFAULT_OVERRIDE_FILES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'] as const;

/** Whether a path exists; injected so discovery is testable without a filesystem. */
export type PathExists = (path: string) => Promise<boolean>;

/** Production `PathExists`. */
export const pathExists: PathExists = (path) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Where a project's files are and which directory relative paths in them are resolved against. */
export interface ComposeFiles {
  /** Absolute paths of the files compose reads, in order (empty when none was found). */
  files: string[];
  /** The project's working directory: `--project-directory`, else the directory of the first file. */
  workingDir: string;
}

const firstExisting = async (dir: string, names: readonly string[], exists: PathExists): Promise<string | undefined> => {
  for (const name of names) {
    const path = join(dir, name);
    if (await exists(path)) return path;
  }
  return undefined;
};

/**
 * Mirrors compose's choice of files and working directory, because `docker compose config` prints
 * neither. Compose itself still chooses what it loads (we never pass discovered files as `-f`);
 * this is for resolving paths and naming the file in an error. `COMPOSE_FILE` given in a `.env`
 * file is not seen here: compose reads it after choosing the directory.
 */
export const locateComposeFiles = async (
  request: ComposeRequest,
  { cwd, env, exists = pathExists }: { cwd: string; env: NodeJS.ProcessEnv; exists?: PathExists },
): Promise<ComposeFiles> => {
  const projectDir = request.projectDirectory === undefined ? undefined : resolve(cwd, request.projectDirectory);
  const explicit = request.files?.length ? request.files : env.COMPOSE_FILE ? env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || delimiter).filter(Boolean) : [];
  if (explicit.length > 0) {
    // `-` is stdin: it has no directory of its own.
    const files = explicit.filter((f) => f !== '-').map((f) => resolve(cwd, f));
    const first = files[0];
    return { files, workingDir: projectDir ?? (first === undefined || explicit[0] === '-' ? cwd : dirname(first)) };
  }
  // Like compose: the first directory, going up from the project (or working) directory, with a base file.
  let dir = projectDir ?? resolve(cwd);
  for (;;) {
    const base = await firstExisting(dir, DEFAULT_COMPOSE_FILES, exists);
    if (base !== undefined) {
      const override = await firstExisting(dir, DEFAULT_OVERRIDE_FILES, exists);
      return { files: override === undefined ? [base] : [base, override], workingDir: projectDir ?? dir };
    }
    const parent = dirname(dir);
    if (parent === dir) return { files: [], workingDir: projectDir ?? resolve(cwd) };
    dir = parent;
  }
};
