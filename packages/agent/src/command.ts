import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_STATE_FILE, DOCKER_CREDENTIAL_COMMAND, GIT_CREDENTIAL_COMMAND, LOG_REDACT_CENSOR, LOG_REDACT_PATHS, WORKSPACE_SSH_COMMAND } from '@preevy/tunnel-protocol';
import { pino, type DestinationStream, type LoggerOptions } from 'pino';
import { createAgent, type AgentOptions } from './agent.js';
import { AgentConfigError, parseAgentConfig, parseStateEndpoint, type AgentLogLevel } from './config.js';
import { AgentError, describeError } from './errors.js';
import type { AgentLogger } from './logger.js';
import { fetchAgentState } from './state-server.js';
import { askLaptop } from './workspace/credential-client.js';
import { runDockerCredential } from './workspace/docker-credential.js';
import { runGitCredential } from './workspace/git-credential.js';
import { runWorkspaceSsh, WORKSPACE_SSH_USAGE } from './workspace/workspace-ssh-command.js';

export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, invalidConfig: 3, unavailable: 6 });

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Buffer;
  /** Resolves with the name of the first termination signal (SIGTERM, SIGINT). */
  waitForSignal: () => Promise<string>;
  createLogger?: (level: AgentLogLevel) => AgentLogger;
  /** Extra agent options (tests inject Docker and socket fakes). */
  agentOverrides?: Partial<AgentOptions>;
  /** stdin/stdout as one stream, for `workspace-ssh` (whose stdout is the SSH connection). */
  openStdio?: () => Duplex;
  /** The logger of `workspace-ssh`: stderr only. */
  createStderrLogger?: (level: AgentLogLevel) => AgentLogger;
  /** All of stdin, for the credential helper modes. */
  readStdin?: () => Promise<string>;
}

const USAGE = `Usage: preevy-agent [run|state|${WORKSPACE_SSH_COMMAND}|help]
  run     (default) publish the compose project's services through the tunnel server
  state   print the running agent's state (JSON) from its local endpoint
  ${WORKSPACE_SSH_COMMAND}   serve one SSH connection on stdin/stdout (in a workspace container; see \`${WORKSPACE_SSH_COMMAND} --help\`)
  ${GIT_CREDENTIAL_COMMAND} OP, ${DOCKER_CREDENTIAL_COMMAND} OP   git's and docker's credential helpers in a workspace container
Configuration: PREEVY_TUNNEL_URL, PREEVY_TUNNEL_HOST_KEY, PREEVY_ENV_ID, PREEVY_AGENT_KEY_FILE or
PREEVY_AGENT_KEY, COMPOSE_PROJECT; optional PREEVY_DEFAULT_ACCESS, PREEVY_AGENT_STATE_PORT,
PREEVY_AGENT_STATE_HOST, PREEVY_AGENT_SERVICE, PREEVY_AGENT_NETWORKS, PREEVY_LOG_LEVEL, DOCKER_HOST.
`;

/**
 * Structured JSON lines (on stdout unless `destination`); key material never reaches a log call,
 * and the redaction every preevy process shares is a second fence.
 */
export const createPinoLogger = (level: AgentLogLevel, destination?: DestinationStream): AgentLogger => {
  const options: LoggerOptions = {
    level,
    base: { name: 'preevy-agent' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...LOG_REDACT_PATHS], censor: LOG_REDACT_CENSOR },
  };
  return destination ? pino(options, destination) : pino(options);
};

/** Shutdown may take up to this long before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

const formatError = (err: unknown): string => {
  if (err instanceof AgentError) return [err.message, ...err.suggestions.map((s) => `  hint: ${s}`)].join('\n');
  return describeError(err);
};

/** The `preevy-agent` command line; returns the exit code. */
export const runAgentCommand = async (argv: readonly string[], io: CommandIo): Promise<number> => {
  const [command = 'run', ...rest] = argv;
  if (command === WORKSPACE_SSH_COMMAND) return runWorkspaceSshCommand(rest, io);
  if (command === GIT_CREDENTIAL_COMMAND || command === DOCKER_CREDENTIAL_COMMAND) {
    const helperIo = { argv: rest, readStdin: io.readStdin ?? (() => Promise.resolve('')), stdout: io.stdout, stderr: io.stderr, askLaptop: askLaptop(io.env) };
    if (command === DOCKER_CREDENTIAL_COMMAND) return runDockerCredential(helperIo);
    return runGitCredential({ ...helperIo, readTokenFile: (path) => readOptional(io, path) });
  }
  if (rest.length > 0 || !['run', 'state', 'help', '--help', '-h'].includes(command)) {
    io.stderr(`preevy-agent: unexpected arguments: ${argv.join(' ')}\n${USAGE}`);
    return EXIT.usage;
  }
  if (command !== 'run' && command !== 'state') {
    io.stdout(USAGE);
    return EXIT.ok;
  }

  if (command === 'state') {
    const endpoint = parseStateEndpoint(io.env);
    if (endpoint.problems.length > 0) {
      io.stderr(`preevy-agent: ${new AgentConfigError(endpoint.problems).message}\n`);
      return EXIT.invalidConfig;
    }
    try {
      io.stdout(`${JSON.stringify(await fetchAgentState(endpoint), null, 2)}\n`);
      return EXIT.ok;
    } catch (err) {
      io.stderr(`preevy-agent: ${formatError(err)}\n`);
      return EXIT.unavailable;
    }
  }

  let config;
  try {
    config = parseAgentConfig(io.env, { readFile: io.readFile });
  } catch (err) {
    io.stderr(`preevy-agent: ${formatError(err)}\n`);
    return err instanceof AgentConfigError ? EXIT.invalidConfig : EXIT.failed;
  }
  const log = (io.createLogger ?? createPinoLogger)(config.logLevel);
  const { logLevel: _logLevel, ...agentConfig } = config;
  const agent = createAgent({ ...agentConfig, stateFile: AGENT_STATE_FILE, logger: log, ...io.agentOverrides });
  try {
    await agent.start();
  } catch (err) {
    log.error({ err: formatError(err) }, 'agent failed to start');
    await agent.stop(1_000);
    return EXIT.failed;
  }
  const signal = await io.waitForSignal();
  log.info({ signal }, 'stopping: cancelling tunnels');
  const stopped = await Promise.race([agent.stop(SHUTDOWN_TIMEOUT_MS).then(() => true), sleep(SHUTDOWN_TIMEOUT_MS + 500, false, { ref: false })]);
  log.info({ clean: stopped }, 'agent stopped');
  return EXIT.ok;
};

/** A file's text, or undefined when it cannot be read (no token placed). */
const readOptional = (io: CommandIo, path: string): string | undefined => {
  try {
    return io.readFile(path).toString('utf8');
  } catch {
    return undefined;
  }
};

const runWorkspaceSshCommand = async (argv: readonly string[], io: CommandIo): Promise<number> => {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stderr(WORKSPACE_SSH_USAGE);
    return EXIT.ok;
  }
  if (!io.openStdio) {
    io.stderr(`preevy-agent: ${WORKSPACE_SSH_COMMAND} needs the process's stdin and stdout\n`);
    return EXIT.failed;
  }
  const result = await runWorkspaceSsh(argv, {
    env: io.env,
    stderr: io.stderr,
    openStdio: io.openStdio,
    // Never stdout: it is the SSH stream.
    createLogger: io.createStderrLogger ?? ((level) => createPinoLogger(level, pino.destination({ dest: 2, sync: true }))),
    waitForSignal: io.waitForSignal,
  });
  if (result.ok) return EXIT.ok;
  if (result.usage) {
    io.stderr(`preevy-agent ${WORKSPACE_SSH_COMMAND}: ${result.message}\n${WORKSPACE_SSH_USAGE}`);
    return EXIT.usage;
  }
  io.stderr(`preevy-agent ${WORKSPACE_SSH_COMMAND}: ${result.error ? formatError(result.error) : result.message}\n`);
  return EXIT.invalidConfig;
};
