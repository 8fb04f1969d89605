import { PreevyError } from '../errors/index.js';
import { type Logger, silentLogger } from '../logger.js';
import { composeConfigError, composeErrorText, dockerNotStartedError, parseYamlError } from './compose-errors.js';
import { locateComposeFiles, type PathExists } from './compose-files.js';
import { ComposeOutputError, type ComposeModel, toComposeModel } from './compose-model.js';
import { composeGlobalArgs, type ComposeRequest } from './compose-request.js';
import { ProcessStartError, type ProcessRunner } from '../process/index.js';
import { dockerProcessRunner } from '../process/compose-plugin.js';

/** Side effects of `loadComposeModel`, each with a production default. */
export interface LoadComposeDeps {
  runner?: ProcessRunner;
  /** The environment compose runs in, below `request.env`; default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default: `process.cwd()`, when the request has no `cwd`. */
  cwd?: string;
  exists?: PathExists;
  logger?: Logger;
  /** The Docker CLI; default `docker`. */
  docker?: string;
}

/** Which of several files holds a YAML error: compose names none, so ask it about each file alone. */
const findYamlCulprit = async (files: readonly string[], workingDir: string, run: (args: string[]) => Promise<{ stderr: string }>): Promise<string | undefined> => {
  for (const file of files) {
    const { stderr } = await run(['compose', '-f', file, '--project-directory', workingDir, 'config', '--no-interpolate', '--format', 'json']);
    if (parseYamlError(composeErrorText(stderr))) return file;
  }
  return undefined;
};

/**
 * Loads a compose project with the real Compose v2 CLI (`docker compose ... config --format json`),
 * so every compose rule (override files, `.env`, profiles, interpolation, `extends`) is compose's own.
 * Failures become `PreevyError`s naming the file, line or key.
 */
export const loadComposeModel = async (request: ComposeRequest, deps: LoadComposeDeps = {}): Promise<ComposeModel> => {
  const { runner = dockerProcessRunner, exists, logger = silentLogger, docker = 'docker' } = deps;
  const cwd = request.cwd ?? deps.cwd ?? process.cwd();
  const env = { ...(deps.env ?? process.env), ...request.env };
  const located = await locateComposeFiles(request, { cwd, env, ...(exists === undefined ? {} : { exists }) });

  const run = async (args: string[]) => {
    try {
      return await runner(docker, args, { cwd, env });
    } catch (err) {
      throw err instanceof ProcessStartError ? dockerNotStartedError(err, `${docker} compose`) : err;
    }
  };
  const result = await run(['compose', ...composeGlobalArgs(request), 'config', '--format', 'json']);
  if (result.exitCode !== 0) {
    const isYaml = parseYamlError(composeErrorText(result.stderr)) !== undefined;
    const yamlFile = isYaml && located.files.length > 1 ? await findYamlCulprit(located.files, located.workingDir, run) : undefined;
    throw composeConfigError({ exitCode: result.exitCode, stderr: result.stderr, files: located.files, workingDir: located.workingDir, yamlFile });
  }
  for (const line of result.stderr.split('\n').filter((l) => l.trim())) logger.warn(`docker compose: ${line.trim()}`);

  try {
    return toComposeModel(JSON.parse(result.stdout), located);
  } catch (err) {
    if (!(err instanceof SyntaxError || err instanceof ComposeOutputError)) throw err;
    throw new PreevyError(`Could not read the output of docker compose config: ${err.message}`, {
      code: 'COMPOSE_OUTPUT_INVALID',
      kind: 'internal',
      suggestions: ['Check `docker compose version` (preevy needs Compose v2.20 or later) and report this with the output of --debug.'],
      cause: err,
    });
  }
};
