import { AGENT_ENV, AGENT_STATE_HOST, AGENT_STATE_PORT, ENV_ID_RULE, isEnvId, parseAccess, parseEnvInfo, parseSshUrl, type EnvInfo, type TunnelAccess } from '@preevy/tunnel-protocol';
import { loadAgentKey } from './agent-key.js';
import { dockerSocketPath } from './docker-engine-client.js';
import { AgentError, describeError } from './errors.js';
import { hostKeyCheck } from './host-key.js';
import type { TunnelServerAddress } from './tunnel-client.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type AgentLogLevel = (typeof LOG_LEVELS)[number];

export interface AgentConfig {
  server: TunnelServerAddress;
  envId: string;
  /** OpenSSH-format private key, ready for ssh2. */
  privateKey: Buffer;
  /** The tunnel server's pinned host key (key line or `SHA256:` fingerprint): required, never trust on sight. */
  hostKey: string;
  project: string;
  defaultAccess: TunnelAccess;
  state: { host: string; port: number };
  dockerSocketPath: string;
  agentService?: string;
  agentNetworks?: string[];
  /** Branch, pull request, commit (from `up`), for the tunnel server's index page. */
  envInfo?: EnvInfo;
  /** A workspace container to stop when idle (see IdleStopper). */
  idleStop?: { container: string; timeoutSeconds: number; scaleDeployment?: { namespace: string; name: string } };
  /** A file whose modification time is activity (a workspace's SSH sessions): counted in `lastActivityAt` and by `idleStop`. */
  activityFile?: string;
  logLevel: AgentLogLevel;
}

/** What the `state` subcommand needs: it may run where the rest of the config is absent. */
export interface StateEndpointConfig {
  host: string;
  port: number;
}

const CONFIG_DOC = 'The agent is configured by environment variables; `preevy up` sets them on the agent service.';

/** All problems at once: fixing one variable per run would be slow over CI round trips. */
export class AgentConfigError extends AgentError {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid agent configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { code: 'INVALID_AGENT_CONFIG', suggestions: [CONFIG_DOC] });
    this.problems = problems;
  }
}

/** 0 means "any free port" (the actual one is logged): for agents sharing the host's network. */
const parsePort = (raw: string | undefined, name: string, fallback: number, problems: string[]): number => {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) {
    problems.push(`${name} must be a port number (0-65535), got "${raw}"`);
    return fallback;
  }
  return n;
};

/** The state endpoint's address, read alone so `preevy-agent state` works without the full config. */
export const parseStateEndpoint = (env: NodeJS.ProcessEnv): StateEndpointConfig & { problems: string[] } => {
  const problems: string[] = [];
  const port = parsePort(env[AGENT_ENV.statePort], AGENT_ENV.statePort, AGENT_STATE_PORT, problems);
  const host = env[AGENT_ENV.stateHost]?.trim() || AGENT_STATE_HOST;
  return { host, port, problems };
};

const parseTunnelUrl = (raw: string | undefined, problems: string[]): TunnelServerAddress | undefined => {
  const name = AGENT_ENV.tunnelUrl;
  if (!raw?.trim()) {
    problems.push(`${name} is required: the tunnel server's SSH address, e.g. ssh://tunnel.example.com:2222`);
    return undefined;
  }
  const parsed = parseSshUrl(raw);
  if (!parsed.ok) problems.push(`${name} ${parsed.error}`);
  return parsed.ok ? parsed.value : undefined;
};

export interface ConfigIo {
  /** Reads the key file; errors are reported naming PREEVY_AGENT_KEY_FILE. */
  readFile: (path: string) => Buffer;
}

/** Parses and validates the agent's environment. Throws AgentConfigError listing every problem. */
export const parseAgentConfig = (env: NodeJS.ProcessEnv, io: ConfigIo): AgentConfig => {
  const problems: string[] = [];
  const server = parseTunnelUrl(env[AGENT_ENV.tunnelUrl], problems);

  const envId = env[AGENT_ENV.envId]?.trim() ?? '';
  if (!envId) problems.push(`${AGENT_ENV.envId} is required: the environment id (the SSH username)`);
  else if (!isEnvId(envId)) problems.push(`${AGENT_ENV.envId} must be ${ENV_ID_RULE}, got "${envId}"`);

  let privateKey: Buffer | undefined;
  const keyFile = env[AGENT_ENV.keyFile]?.trim();
  const inlineKey = env[AGENT_ENV.key];
  if (keyFile && inlineKey) problems.push(`set only one of ${AGENT_ENV.keyFile} and ${AGENT_ENV.key}`);
  else if (keyFile) {
    let raw: Buffer | undefined;
    try {
      raw = io.readFile(keyFile);
    } catch (err) {
      problems.push(`${AGENT_ENV.keyFile}=${keyFile} cannot be read: ${describeError(err)}`);
    }
    if (raw) {
      try {
        privateKey = loadAgentKey(raw, `${AGENT_ENV.keyFile} (${keyFile})`);
      } catch (err) {
        problems.push(describeError(err));
      }
    }
  } else if (inlineKey) {
    try {
      // A PEM block survives env files badly: accept it base64-encoded as well.
      const text = inlineKey.includes('-----BEGIN') ? inlineKey.replace(/\\n/g, '\n') : Buffer.from(inlineKey, 'base64').toString('utf8');
      privateKey = loadAgentKey(text, AGENT_ENV.key);
    } catch (err) {
      problems.push(describeError(err));
    }
  } else {
    problems.push(`${AGENT_ENV.keyFile} (a path) or ${AGENT_ENV.key} (the key itself) is required: the agent's SSH private key`);
  }

  // Without a pin, a server impersonating the tunnel server would get channels to every service.
  const hostKey = env[AGENT_ENV.hostKey]?.trim() ?? '';
  if (!hostKey) {
    problems.push(
      `${AGENT_ENV.hostKey} is required: the tunnel server's host key ("ssh-ed25519 AAAA..." or its "SHA256:..." fingerprint), which \`preevy up\` pins; ` +
        "running the agent by hand, ask the server's operator for it (`ssh-keygen -lf <host key>.pub` prints the fingerprint)",
    );
  } else {
    try {
      hostKeyCheck(hostKey);
    } catch (err) {
      problems.push(describeError(err));
    }
  }

  const project = env[AGENT_ENV.project]?.trim() ?? '';
  if (!project) problems.push(`${AGENT_ENV.project} is required: the compose project whose services are published`);

  const rawAccess = env[AGENT_ENV.defaultAccess];
  const defaultAccess: TunnelAccess = rawAccess?.trim() ? (parseAccess(rawAccess) ?? 'private') : 'public';
  if (rawAccess?.trim() && !parseAccess(rawAccess)) problems.push(`${AGENT_ENV.defaultAccess} must be public or private, got "${rawAccess}"`);

  const stateEndpoint = parseStateEndpoint(env);
  problems.push(...stateEndpoint.problems);

  let socketPath = '';
  try {
    socketPath = dockerSocketPath(env[AGENT_ENV.dockerHost]);
  } catch (err) {
    problems.push(describeError(err));
  }

  const rawLevel = env[AGENT_ENV.logLevel]?.trim().toLowerCase() || 'info';
  const logLevel = (LOG_LEVELS as readonly string[]).includes(rawLevel) ? (rawLevel as AgentLogLevel) : 'info';
  if (logLevel !== rawLevel) problems.push(`${AGENT_ENV.logLevel} must be one of ${LOG_LEVELS.join(', ')}, got "${env[AGENT_ENV.logLevel]}"`);

  const agentService = env[AGENT_ENV.agentService]?.trim() || undefined;
  const networks = env[AGENT_ENV.agentNetworks]
    ?.split(',')
    .map((n) => n.trim())
    .filter(Boolean);

  let envInfo: EnvInfo | undefined;
  const rawInfo = env[AGENT_ENV.envInfo]?.trim();
  if (rawInfo) {
    try {
      envInfo = parseEnvInfo(rawInfo).value;
    } catch (err) {
      problems.push(`${AGENT_ENV.envInfo} must be a JSON object (\`preevy up\` writes it): ${describeError(err)}`);
    }
  }

  const idleContainer = env[AGENT_ENV.idleStopContainer]?.trim();
  const rawIdle = env[AGENT_ENV.idleTimeoutSeconds]?.trim();
  const idleSeconds = Number(rawIdle);
  if (idleContainer && !(rawIdle && /^\d+$/.test(rawIdle) && idleSeconds > 0)) {
    problems.push(`${AGENT_ENV.idleTimeoutSeconds} must be a positive number of seconds with ${AGENT_ENV.idleStopContainer}, got "${rawIdle ?? ''}"`);
  }
  const activityFile = env[AGENT_ENV.activityFile]?.trim();
  const rawScale = env[AGENT_ENV.idleScaleDeployment]?.trim();
  const scaleMatch = rawScale ? /^([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(rawScale) : null;
  if (rawScale && !scaleMatch) problems.push(`${AGENT_ENV.idleScaleDeployment} must be namespace/name, got "${rawScale}"`);
  if (rawScale && !idleContainer) problems.push(`${AGENT_ENV.idleScaleDeployment} needs ${AGENT_ENV.idleStopContainer}`);

  if (problems.length > 0 || !server || !privateKey || !hostKey) throw new AgentConfigError(problems);
  return {
    server,
    envId,
    privateKey,
    hostKey,
    project,
    defaultAccess,
    state: { host: stateEndpoint.host, port: stateEndpoint.port },
    dockerSocketPath: socketPath,
    ...(agentService ? { agentService } : {}),
    ...(networks && networks.length > 0 ? { agentNetworks: networks } : {}),
    ...(envInfo ? { envInfo } : {}),
    ...(idleContainer
      ? { idleStop: { container: idleContainer, timeoutSeconds: idleSeconds, ...(scaleMatch ? { scaleDeployment: { namespace: scaleMatch[1]!, name: scaleMatch[2]! } } : {}) } }
      : {}),
    ...(activityFile ? { activityFile } : {}),
    logLevel,
  };
};
