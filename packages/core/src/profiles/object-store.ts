import { PreevyError } from '../errors/index.js';

/** An object's content and the version tag a conditional write names (S3's ETag). */
export interface StoredObject {
  body: string;
  etag: string;
}

/** How an object is written. */
export interface PutOptions {
  /** The object is a secret: the store asks for encryption at rest (S3: `ServerSideEncryption: AES256`). */
  secret?: boolean;
}

/**
 * The few operations a remote profile needs from a bucket, keys relative to the profile's prefix.
 * Conditional writes are the whole point: they make concurrent read-modify-write cycles of CI
 * jobs safe without a lock. Implementations translate their SDK's errors into PreevyErrors.
 */
export interface ObjectStore {
  /** Where the objects live, for messages, e.g. `s3://bucket/prefix`. */
  readonly location: string;
  /** The URL that reaches them again (with region and endpoint), for commands a message suggests. */
  readonly url: string;
  /** Undefined when there is no such object. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Writes only if no object has that key (`If-None-Match: *`); undefined when one exists. */
  putIfAbsent(key: string, body: string, options?: PutOptions): Promise<string | undefined>;
  /** Writes only if the object is still at version `etag` (`If-Match`); undefined when it changed or vanished. */
  putIfMatch(key: string, body: string, etag: string, options?: PutOptions): Promise<string | undefined>;
  /** Removes the object; no error if it is absent. */
  delete(key: string): Promise<void>;
  /** Keys (relative) that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

/** How often and how long a conflicting write is retried. */
export interface RetryPolicy {
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

// Each cycle is a GET and a PUT (tens of ms); 12 attempts with jittered, capped exponential
// backoff outlast a handful of CI jobs hitting one object, and give up within about 10 s.
export const DEFAULT_RETRY: RetryPolicy = { attempts: 12, minDelayMs: 25, maxDelayMs: 2_000 };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A step of a read-modify-write cycle: the value to return, or `conflict` when the conditional write lost. */
export const CONFLICT = Symbol('conflict');

/**
 * Runs `attempt` until it returns something other than CONFLICT (another writer changed the
 * object between our read and our conditional write), waiting a jittered, growing delay between
 * tries; throws STORE_CONTENDED after `policy.attempts`.
 */
export const retryOnConflict = async <T>(what: string, attempt: () => Promise<T | typeof CONFLICT>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> => {
  const { attempts, minDelayMs, maxDelayMs, sleep = realSleep, random = Math.random } = policy;
  for (let i = 0; i < attempts; i++) {
    const result = await attempt();
    if (result !== CONFLICT) return result;
    if (i < attempts - 1) await sleep(Math.min(maxDelayMs, minDelayMs * 2 ** i) * (0.5 + random() / 2));
  }
  throw new PreevyError(`${what} kept changing under this command (${attempts} conditional writes lost to other writers).`, {
    code: 'STORE_CONTENDED',
    kind: 'unavailable',
    suggestions: ['Many commands are writing the same profile object at once: retry when fewer jobs run.'],
  });
};
