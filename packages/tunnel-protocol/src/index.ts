export { base32, isDnsLabel, MAX_DNS_LABEL, sanitizeLabel, shortHash, toDnsLabel } from './dns-label.js';
export { ENV_ID_RULE, envIdOfInput, isEnvId, MAX_ENV_ID_LENGTH, normalizeEnvId } from './env-id.js';
export { formatForwardRequest, parseForwardRequest, requestedTunnelName } from './forward-request.js';
export type { ForwardRequest, ParseResult, TunnelAccess } from './forward-request.js';
export { baseHostOf, envIndexLabel, labelOfHost, serviceTunnelName, tunnelLabel, urlOfLabel } from './hostnames.js';
export { EXEC_HELLO, parseHelloReply, PROTOCOL_VERSION } from './messages.js';
export type { HelloReply, TunnelInfo, TunnelRejection } from './messages.js';
export { COMPOSE_LABELS, environmentLabels, LABEL_PREFIX, LABELS, MANAGED_BY, SERVICE_LABELS } from './labels.js';
export { ACCESS_VALUES, formatTunnelList, parseAccess, parsePortList, parseTunnelList, serviceTunnels } from './service-tunnels.js';
export type { NamedPort, ServicePublication, ServiceTunnels } from './service-tunnels.js';
export {
  AGENT_ENV,
  AGENT_SERVICE,
  AGENT_STATE_FILE,
  AGENT_STATE_HOST,
  AGENT_STATE_PORT,
  agentEnvironment,
  agentStatePort,
  DEFAULT_AGENT_BASE_IMAGE,
  formatSshUrl,
  parseSshUrl,
} from './agent-contract.js';
export type { AgentNetwork, AgentSettings } from './agent-contract.js';
export {
  envAudience,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  signShareToken,
  TOKEN_QUERY_PARAM,
  verifyShareToken,
} from './share-token.js';
export type { ShareTokenClaims, SignShareTokenOptions, TokenRejection, VerifyResult, VerifyShareTokenOptions } from './share-token.js';
export { authorizedKeyLine, clientIdFromKey, ed25519KeyFromSshBlob, keyFingerprint, sshBlobFromEd25519Key } from './ssh-key.js';
export { encodeOpenSshEd25519, generateOpenSshEd25519, OPENSSH_PRIVATE_KEY_BEGIN, OPENSSH_PRIVATE_KEY_END } from './openssh-key.js';
export { WORKSPACE_SSH_COMMAND, WORKSPACE_SSH_ENV } from './workspace-ssh.js';
export { parseAgentState } from './agent-state.js';
export type { AgentConnectionStatus, AgentState, IdleStopState } from './agent-state.js';
export { formatHostKeyPin, hostKeyLine, hostKeyMatchesPin, parseHostKeyPin } from './host-key-pin.js';
export type { HostKeyPin } from './host-key-pin.js';
export { LOG_REDACT_CENSOR, LOG_REDACT_PATHS, LOG_SECRET_FIELDS } from './log-redaction.js';
export {
  EXEC_METADATA,
  formatMetadataCommand,
  MAX_METADATA_COMMAND_BYTES,
  MAX_METADATA_SERVICES,
  MAX_METADATA_TEXT,
  MAX_METADATA_URL,
  parseEnvInfo,
  parseEnvMetadata,
} from './env-metadata.js';
export type { EnvInfo, EnvMetadata, EnvServiceInfo, ParsedMetadata } from './env-metadata.js';
export {
  CREDENTIAL_HELPER_NAME,
  DOCKER_CREDENTIAL_COMMAND,
  formatCredentialsEnv,
  formatGitCredentialAttributes,
  GIT_CREDENTIAL_COMMAND,
  MAX_CREDENTIAL_MESSAGE,
  parseCredentialRequest,
  parseCredentialResponse,
  parseCredentialsEnv,
  parseGitCredentialAttributes,
  WORKSPACE_CREDENTIALS_ENV,
} from './workspace-credentials.js';
export type { CredentialRequest, CredentialResponse, CredentialsEndpoint, GitCredentialAttributes, GitCredentialOperation } from './workspace-credentials.js';
