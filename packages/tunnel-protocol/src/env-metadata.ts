import type { TunnelAccess } from './forward-request.js';

/**
 * What an environment says about itself for its index page: where its code came from (written by
 * `up` into the agent's environment, `AGENT_ENV.envInfo`), when it was last deployed and which
 * services it publishes (added by the agent). The agent sends it to the tunnel server with the
 * `metadata` exec; the server faces the internet, so both sides read it with `parseEnvMetadata`,
 * which bounds and cleans every field rather than trusting the writer.
 */

/** SSH exec command `metadata <json>`: the server keeps the document for the environment's index page. */
export const EXEC_METADATA = 'metadata';

/** Longest `metadata` command the server reads (the JSON included); a longer one is refused unparsed. */
export const MAX_METADATA_COMMAND_BYTES = 16 * 1024;
/** Longest text field (branch, repository, service name) kept; a longer one is cut. */
export const MAX_METADATA_TEXT = 200;
/** Longest link kept; a longer one is dropped (a cut link would lead elsewhere). */
export const MAX_METADATA_URL = 2048;
/** Services listed; the rest are dropped. */
export const MAX_METADATA_SERVICES = 100;

/** Where the environment's code came from: branch, pull request, commit and repository, each with its link. */
export interface EnvInfo {
  branch?: string;
  branchUrl?: string;
  pullRequest?: number;
  pullRequestUrl?: string;
  commit?: string;
  commitUrl?: string;
  repository?: string;
  repositoryUrl?: string;
}

/** A service port the agent publishes, whether or not the server holds its tunnel right now. */
export interface EnvServiceInfo {
  service: string;
  port: number;
  access: TunnelAccess;
  /** The tunnel name the agent asks for (`serviceTunnelName`), which ties it to its live tunnel. */
  name: string;
}

export interface EnvMetadata extends EnvInfo {
  /** ISO 8601 time of the environment's last deploy. */
  deployedAt?: string;
  services?: EnvServiceInfo[];
}

/** A parsed document and the fields that were cut or dropped, for the writer to hear about. */
export interface ParsedMetadata<T> {
  value: T;
  problems: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// C0/C1 controls and the bidirectional overrides that can make text read differently than it is.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const text = (v: unknown, field: string, problems: string[]): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return void problems.push(`${field}: not a string`);
  const clean = v.replace(UNSAFE_CHARS, '').trim();
  if (!clean) return undefined;
  if (clean.length <= MAX_METADATA_TEXT) return clean;
  problems.push(`${field}: cut to ${MAX_METADATA_TEXT} characters`);
  return `${clean.slice(0, MAX_METADATA_TEXT - 1)}…`;
};

/** Only absolute http(s) links without credentials: a `javascript:` or `data:` link would run in the reviewer's page. */
const link = (v: unknown, field: string, problems: string[]): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > MAX_METADATA_URL) return void problems.push(`${field}: not a string of at most ${MAX_METADATA_URL} characters; dropped`);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return void problems.push(`${field}: not a URL; dropped`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return void problems.push(`${field}: only http and https links are kept; dropped`);
  if (url.username || url.password) return void problems.push(`${field}: a link with credentials is dropped`);
  return url.href;
};

const pullRequestNumber = (v: unknown, problems: string[]): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v < 2 ** 31) return v;
  return void problems.push('pullRequest: not a positive integer; dropped');
};

const commitSha = (v: unknown, problems: string[]): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && /^[0-9a-f]{7,64}$/i.test(v)) return v.toLowerCase();
  return void problems.push('commit: not a hexadecimal commit id of 7 to 64 digits; dropped');
};

const timestamp = (v: unknown, problems: string[]): string | undefined => {
  if (v === undefined) return undefined;
  const ms = typeof v === 'string' && v.length <= 40 ? Date.parse(v) : NaN;
  // Years 2000 to 9999: anything else is a writer's bug, not a deploy time.
  if (Number.isFinite(ms) && ms >= 946_684_800_000 && ms < 253_402_300_800_000) return new Date(ms).toISOString();
  return void problems.push('deployedAt: not an ISO 8601 time; dropped');
};

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };
const defined = <T extends object>(o: T): Defined<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Defined<T>;

const envInfoFields = (v: Record<string, unknown>, problems: string[]): EnvInfo =>
  defined({
    branch: text(v.branch, 'branch', problems),
    branchUrl: link(v.branchUrl, 'branchUrl', problems),
    pullRequest: pullRequestNumber(v.pullRequest, problems),
    pullRequestUrl: link(v.pullRequestUrl, 'pullRequestUrl', problems),
    commit: commitSha(v.commit, problems),
    commitUrl: link(v.commitUrl, 'commitUrl', problems),
    repository: text(v.repository, 'repository', problems),
    repositoryUrl: link(v.repositoryUrl, 'repositoryUrl', problems),
  });

const services = (v: unknown, problems: string[]): EnvServiceInfo[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return void problems.push('services: not a list; dropped');
  if (v.length > MAX_METADATA_SERVICES) problems.push(`services: only the first ${MAX_METADATA_SERVICES} are kept`);
  const out: EnvServiceInfo[] = [];
  for (const [i, s] of v.slice(0, MAX_METADATA_SERVICES).entries()) {
    const service = isRecord(s) ? text(s.service, `services[${i}].service`, problems) : undefined;
    const name = isRecord(s) && typeof s.name === 'string' && /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(s.name) ? s.name : undefined;
    const port = isRecord(s) && Number.isInteger(s.port) && (s.port as number) >= 1 && (s.port as number) <= 65535 ? (s.port as number) : undefined;
    const access = isRecord(s) && (s.access === 'public' || s.access === 'private') ? s.access : undefined;
    if (service === undefined || name === undefined || port === undefined || access === undefined) {
      problems.push(`services[${i}]: needs service, a DNS-label name, a port and public/private access; dropped`);
      continue;
    }
    out.push({ service, port, access, name });
  }
  return out;
};

/** Reads the `up`-written part from the agent's environment variable (JSON); unknown fields are ignored. */
export const parseEnvInfo = (json: string): ParsedMetadata<EnvInfo> => {
  const v: unknown = JSON.parse(json);
  if (!isRecord(v)) throw new TypeError('environment info must be a JSON object');
  const problems: string[] = [];
  return { value: envInfoFields(v, problems), problems };
};

/** Reads a `metadata` document; throws only when it is not a JSON object, otherwise bounds and cleans each field. */
export const parseEnvMetadata = (json: string): ParsedMetadata<EnvMetadata> => {
  const v: unknown = JSON.parse(json);
  if (!isRecord(v)) throw new TypeError('metadata must be a JSON object');
  const problems: string[] = [];
  const value: EnvMetadata = defined({ ...envInfoFields(v, problems), deployedAt: timestamp(v.deployedAt, problems), services: services(v.services, problems) });
  return { value, problems };
};

/** The `metadata` exec command carrying `metadata`. */
export const formatMetadataCommand = (metadata: EnvMetadata): string => `${EXEC_METADATA} ${JSON.stringify(metadata)}`;
