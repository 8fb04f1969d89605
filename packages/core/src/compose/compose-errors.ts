import { PreevyError } from '../errors/index.js';
import { DEFAULT_COMPOSE_FILES } from './compose-files.js';

const INSTALL_COMPOSE = 'Install Docker Compose v2 (the `docker compose` plugin, 2.20 or later): https://docs.docker.com/compose/install/';

/** Compose's stderr without its warning lines (`WARN[0000] ...`), which never explain a failure. */
export const composeErrorText = (stderr: string): string =>
  stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(WARN\[\d+\]|level=warning)/.test(l))
    .join('\n');

/** A YAML parse error as compose prints it: `yaml: line 4: found unexpected end of stream`. */
export const parseYamlError = (text: string): { line: number | undefined; detail: string } | undefined => {
  const m = /(?:^|\n)(?:[^\n]*: )?yaml: (?:line (\d+): )?([^\n]*)/.exec(text);
  return m ? { line: m[1] === undefined ? undefined : Number(m[1]), detail: m[2] ?? '' } : undefined;
};

export interface ComposeFailure {
  exitCode: number;
  stderr: string;
  /** The files compose was asked to read, or found by discovery. */
  files: readonly string[];
  workingDir: string;
  /** The file a YAML error is in, when the caller could tell (see `loadComposeModel`). */
  yamlFile?: string | undefined;
}

/** The original failure, kept as `cause` so `--debug` shows exactly what compose said. */
const causeOf = (f: ComposeFailure): Error => new Error(`docker compose config exited with code ${f.exitCode}: ${f.stderr.trim()}`);

/** Maps a failed `docker compose config` to a typed error with a remedy. Pure. */
export const composeConfigError = (f: ComposeFailure): PreevyError => {
  const text = composeErrorText(f.stderr) || `exit code ${f.exitCode}, no message`;
  const cause = causeOf(f);

  if (/^docker: .*(unknown command|is not a docker command)|^unknown (shorthand )?flag:/m.test(text)) {
    return new PreevyError(`Docker Compose v2 is missing or too old: ${text}`, { code: 'COMPOSE_UNAVAILABLE', kind: 'unavailable', suggestions: [INSTALL_COMPOSE], cause });
  }

  const yaml = parseYamlError(text);
  if (yaml) {
    const where = f.yamlFile ?? (f.files.length === 1 ? f.files[0] : undefined);
    const at = yaml.line === undefined ? '' : ` at line ${yaml.line}`;
    const file = where ?? `one of ${f.files.join(', ')}`;
    return new PreevyError(`Invalid YAML in ${file}${at}: ${yaml.detail}`, {
      code: 'COMPOSE_YAML_INVALID',
      kind: 'invalid-input',
      suggestions: [`Fix the YAML${at} of ${where ?? 'that file'} (indent with spaces, close quotes and brackets).`],
      cause,
    });
  }

  const missingFile = /open (.+): no such file or directory/.exec(text);
  if (missingFile?.[1] !== undefined) {
    return new PreevyError(`Compose file not found: ${missingFile[1]}`, {
      code: 'COMPOSE_FILE_NOT_FOUND',
      kind: 'not-found',
      suggestions: ['Check the -f paths: relative paths are resolved from the current directory.'],
      cause,
    });
  }

  // The first form is `--env-file`, the second a service's `env_file`.
  const missingEnvFile = /Couldn't find env file: (.+)|env file (\S+) not found/.exec(text);
  const envFile = missingEnvFile?.[1] ?? missingEnvFile?.[2];
  if (envFile !== undefined) {
    return new PreevyError(`Env file not found: ${envFile}`, {
      code: 'COMPOSE_ENV_FILE_NOT_FOUND',
      kind: 'not-found',
      suggestions: ['Check the path: an --env-file path is relative to the current directory, an env_file in the compose file to the project directory.'],
      cause,
    });
  }

  if (/no configuration file provided/.test(text)) {
    return new PreevyError(`No compose file found in ${f.workingDir} or its parent directories (looked for ${DEFAULT_COMPOSE_FILES.join(', ')})`, {
      code: 'COMPOSE_FILE_MISSING',
      kind: 'not-found',
      suggestions: ['Run preevy in the directory of your compose file, or name it with -f FILE (or --project-directory DIR).'],
      cause,
    });
  }

  const variable = /required variable (\S+) is missing a value/.exec(text);
  if (variable?.[1] !== undefined) {
    return new PreevyError(`The compose project needs the variable ${variable[1]}: ${text}`, {
      code: 'COMPOSE_VARIABLE_MISSING',
      kind: 'invalid-input',
      suggestions: [`Set ${variable[1]} in the environment, in the project's .env file, or in a file given with --env-file.`],
      cause,
    });
  }

  return new PreevyError(`The compose project is invalid: ${text}`, {
    code: 'COMPOSE_INVALID',
    kind: 'invalid-input',
    suggestions: [`\`docker compose ${f.files.map((file) => `-f ${file} `).join('')}config\` shows the same problem.`],
    cause,
  });
};

/** The error for a `docker` binary that could not be started at all. */
export const dockerNotStartedError = (cause: unknown, command: string): PreevyError =>
  new PreevyError(`Could not run \`${command}\`: ${cause instanceof Error ? cause.message : String(cause)}`, {
    code: 'COMPOSE_UNAVAILABLE',
    kind: 'unavailable',
    suggestions: ['Install the Docker CLI and make sure it is on PATH.', INSTALL_COMPOSE],
    cause,
  });
