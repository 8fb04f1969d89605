/** Which compose project to load, in the terms of the `docker compose` command line. */
export interface ComposeRequest {
  /** `-f` files, in order; empty or absent: compose's own discovery (base and override files). */
  files?: readonly string[] | undefined;
  /** `--project-directory`. */
  projectDirectory?: string | undefined;
  /** `-p`. */
  projectName?: string | undefined;
  /** `--profile`, each one. */
  profiles?: readonly string[] | undefined;
  /** `--env-file`, each one (compose reads `<project dir>/.env` when none is given). */
  envFiles?: readonly string[] | undefined;
  /** Extra variables for compose interpolation, above the process environment (e.g. `PREEVY_BASE_URI_*`). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Directory relative paths are resolved from; default: the process's working directory. */
  cwd?: string | undefined;
}

/** The global `docker compose` options that select a project; reused by every compose subcommand. */
export const composeGlobalArgs = (request: ComposeRequest): string[] => [
  ...(request.files ?? []).flatMap((f) => ['-f', f]),
  ...(request.projectDirectory === undefined ? [] : ['--project-directory', request.projectDirectory]),
  ...(request.projectName === undefined ? [] : ['-p', request.projectName]),
  ...(request.profiles ?? []).flatMap((p) => ['--profile', p]),
  ...(request.envFiles ?? []).flatMap((f) => ['--env-file', f]),
];
