import { PreevyError } from '../errors/index.js';

/** Where a remote profile lives: `s3://bucket/prefix?region=…&endpoint=…`, parsed. */
export interface S3ProfileLocation {
  scheme: 's3';
  bucket: string;
  /** Key prefix without leading or trailing slash; empty: the bucket's root. */
  prefix: string;
  region?: string;
  /** An S3-compatible endpoint (then addressed path-style), e.g. `http://127.0.0.1:9000`. */
  endpoint?: string;
  /** The canonical URL, as links store it and messages show it. */
  url: string;
}

// S3's rules for bucket names (general purpose buckets).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,40}$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;
const PARAMS = ['region', 'endpoint'];

/** True when `value` looks like a URL (scheme://) rather than a profile name; names cannot hold a colon. */
export const isProfileStoreUrl = (value: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

const invalid = (value: string, detail: string): PreevyError =>
  // Whatever sits before an @ may be a credential: never echoed.
  new PreevyError(`Invalid profile store URL "${value.replace(/\/\/[^/@]*@/, '//***@')}": ${detail}.`, {
    code: 'PROFILE_STORE_URL_INVALID',
    kind: 'invalid-input',
    suggestions: ['Use s3://BUCKET/PREFIX, optionally with ?region=REGION and, for an S3-compatible store, &endpoint=https://HOST[:PORT].'],
  });

/** Parses and checks a profile store URL; PROFILE_STORE_URL_INVALID names the problem. */
export const parseProfileStoreUrl = (value: string): S3ProfileLocation => {
  if (!URL.canParse(value)) throw invalid(value, 'not a URL');
  const url = new URL(value);
  if (url.protocol !== 's3:') throw invalid(value, `the scheme ${url.protocol.slice(0, -1)}: is not supported (only s3:)`);
  if (url.username || url.password) throw invalid(value, 'credentials do not belong in the URL (they come from the AWS SDK: environment, shared config, instance role)');
  if (url.hash) throw invalid(value, 'it has a #fragment');
  const bucket = url.hostname;
  if (!BUCKET.test(bucket) || url.port) throw invalid(value, `"${url.host}" is not a valid bucket name`);
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && (!KEY_PREFIX.test(prefix) || prefix.split('/').some((s) => s === '' || s === '.' || s === '..'))) {
    throw invalid(value, `"${prefix}" is not a usable key prefix (letters, digits, and - _ . / without empty segments)`);
  }
  const unknown = [...url.searchParams.keys()].filter((k) => !PARAMS.includes(k));
  if (unknown.length) throw invalid(value, `unknown parameter ${unknown.join(', ')} (known: ${PARAMS.join(', ')})`);
  const region = url.searchParams.get('region') ?? undefined;
  if (region !== undefined && !REGION.test(region)) throw invalid(value, `"${region}" is not a region name`);
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined) {
    const ok = URL.canParse(endpoint) && ['http:', 'https:'].includes(new URL(endpoint).protocol) && ['', '/'].includes(new URL(endpoint).pathname);
    if (!ok) throw invalid(value, `endpoint "${endpoint}" must be http(s)://HOST[:PORT]`);
  }
  const query = new URLSearchParams();
  if (region !== undefined) query.set('region', region);
  if (endpoint !== undefined) query.set('endpoint', endpoint.replace(/\/$/, ''));
  const search = query.toString();
  return {
    scheme: 's3',
    bucket,
    prefix,
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint: endpoint.replace(/\/$/, '') }),
    url: `s3://${bucket}${prefix ? `/${prefix}` : ''}${search ? `?${search.replace(/%3A/gi, ':').replace(/%2F/gi, '/')}` : ''}`,
  };
};
