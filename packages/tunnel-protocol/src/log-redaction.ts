/**
 * Field names whose values are secrets wherever they appear in a log record: credentials of
 * visitors (share tokens, cookies, Authorization headers) and key material (the agent's and the
 * profile's private keys, passphrases, PREEVY_AGENT_KEY and the compose variable carrying it).
 * Public keys (`hostKey`, `publicKey`, fingerprints) are not secrets and stay readable.
 */
export const LOG_SECRET_FIELDS: readonly string[] = Object.freeze([
  'token',
  'authorization',
  'cookie',
  'set-cookie',
  'privateKey',
  'key',
  'passphrase',
  'password',
  'secret',
  'PREEVY_AGENT_KEY',
  'PREEVY_AGENT_KEY_CONTENT',
]);

const segment = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`);

/**
 * pino `redact` paths for every logger of the tunnel server, the agent and the CLI: each secret
 * field at the top level and up to two levels down (`req.headers.cookie`, `tunnel.privateKey`).
 */
export const LOG_REDACT_PATHS: readonly string[] = Object.freeze(
  LOG_SECRET_FIELDS.flatMap((name) => [segment(name).replace(/^\./, ''), `*${segment(name)}`, `*.*${segment(name)}`]),
);

/** What replaces a redacted value. */
export const LOG_REDACT_CENSOR = '[redacted]';
