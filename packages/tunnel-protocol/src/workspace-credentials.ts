/**
 * Credential forwarding for workspaces, defined once for both sides: the credential helpers in
 * the workspace container (agent modes run by git and docker) ask the laptop's responder, which
 * `preevy workspace ssh` serves behind an `ssh -R` on the container's loopback. Pure.
 */

/** The agent mode git runs as its credential helper (`git-credential-preevy get|store|erase`). */
export const GIT_CREDENTIAL_COMMAND = 'git-credential';
/** The agent mode docker runs as its credential helper (`docker-credential-preevy get|store|erase|list`). */
export const DOCKER_CREDENTIAL_COMMAND = 'docker-credential';
/** The helper name in `credential.helper` and `credHelpers`: git and docker find `*-credential-preevy` on PATH. */
export const CREDENTIAL_HELPER_NAME = 'preevy';

/**
 * Set in the sessions of `preevy workspace ssh` (sent with SendEnv, so never on a command line):
 * `<container port>:<secret>`. Processes outside those sessions do not have it and get no answer.
 */
export const WORKSPACE_CREDENTIALS_ENV = 'PREEVY_WORKSPACE_CREDENTIALS';

/** The largest request or response line either side reads. */
export const MAX_CREDENTIAL_MESSAGE = 64 * 1024;

export interface CredentialsEndpoint {
  /** The port on the container's 127.0.0.1 that the session forwards to the laptop. */
  port: number;
  /** Hex; the responder answers only requests that carry it. */
  secret: string;
}

export const formatCredentialsEnv = ({ port, secret }: CredentialsEndpoint): string => `${port}:${secret}`;

/** The endpoint of a {@link WORKSPACE_CREDENTIALS_ENV} value, or undefined when it is missing or malformed. */
export const parseCredentialsEnv = (value: string | undefined): CredentialsEndpoint | undefined => {
  const m = /^(\d{1,5}):([0-9a-f]{32,128})$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const port = Number(m[1]);
  return port > 0 && port < 65536 ? { port, secret: m[2]! } : undefined;
};

/** git's credential attributes (`key=value` lines); multi-valued keys (`wwwauth[]`) keep their last value. */
export type GitCredentialAttributes = Record<string, string>;

/** Parses git's credential helper input or `git credential fill` output: lines up to a blank one or the end. */
export const parseGitCredentialAttributes = (text: string): GitCredentialAttributes => {
  const attrs: GitCredentialAttributes = {};
  for (const line of text.split('\n')) {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (l === '') break;
    const eq = l.indexOf('=');
    if (eq <= 0) continue;
    attrs[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return attrs;
};

/** git's credential format; values with a newline or NUL are dropped (git refuses them too). */
export const formatGitCredentialAttributes = (attrs: GitCredentialAttributes): string =>
  Object.entries(attrs)
    .filter(([k, v]) => /^[A-Za-z_][\w[\]]*$/.test(k) && !/[\n\r\0]/.test(v))
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');

export type GitCredentialOperation = 'get' | 'store' | 'erase';

export type CredentialRequest =
  | { secret: string; kind: 'git'; op: GitCredentialOperation; attributes: GitCredentialAttributes }
  | { secret: string; kind: 'docker'; op: 'get'; serverUrl: string };

/** `found: false` is "nothing to say": the helper then falls back (git asks its next helper). */
export type CredentialResponse = { found: false } | { found: true; git: GitCredentialAttributes } | { found: true; docker: { username: string; secret: string } };

const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

/** One request line as the responder reads it; undefined for anything malformed. */
export const parseCredentialRequest = (line: string): CredentialRequest | undefined => {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r.secret !== 'string') return undefined;
  if (r.kind === 'git' && (r.op === 'get' || r.op === 'store' || r.op === 'erase') && isStringRecord(r.attributes)) {
    return { secret: r.secret, kind: 'git', op: r.op, attributes: r.attributes };
  }
  if (r.kind === 'docker' && r.op === 'get' && typeof r.serverUrl === 'string') return { secret: r.secret, kind: 'docker', op: 'get', serverUrl: r.serverUrl };
  return undefined;
};

/** One response line as the helper reads it; anything malformed counts as nothing found. */
export const parseCredentialResponse = (line: string): CredentialResponse => {
  try {
    const r = JSON.parse(line) as Record<string, unknown>;
    if (r.found === true && isStringRecord(r.git)) return { found: true, git: r.git };
    const d = r.docker as Record<string, unknown> | undefined;
    if (r.found === true && d && typeof d.username === 'string' && typeof d.secret === 'string') return { found: true, docker: { username: d.username, secret: d.secret } };
  } catch {
    // fall through
  }
  return { found: false };
};
