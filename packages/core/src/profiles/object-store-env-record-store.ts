import { nextEnvRecord, validEnvId, type EnvRecordStore, type EnvRecordUpdater } from './env-record-store.js';
import { CONFLICT, DEFAULT_RETRY, retryOnConflict, type ObjectStore, type RetryPolicy, type StoredObject } from './object-store.js';
import { profileDataCorrupt } from './profile-errors.js';
import { envRecordSchema, type EnvRecord } from './profile-schema.js';
import { toJsonText } from './store-files.js';
import { zodProblems } from './zod-problems.js';

/** The key prefix of the environment records under a profile's prefix. */
export const ENVS_PREFIX = 'envs/';
const JSON_SUFFIX = '.json';

/** The key of one environment's record: one object per environment, so unrelated jobs never write the same object. */
export const envRecordKey = (envId: string): string => `${ENVS_PREFIX}${envId}${JSON_SUFFIX}`;

/** What an ObjectStoreEnvRecordStore works on. */
export interface ObjectStoreEnvRecordStoreOptions {
  objects: ObjectStore;
  /** Throws unless the profile exists and is whole; run before every write. */
  checkProfile: () => Promise<unknown>;
  now?: () => Date;
  retry?: RetryPolicy;
}

/** The environment records of a remote profile; every update a conditional write, retried when another writer won. */
export class ObjectStoreEnvRecordStore implements EnvRecordStore {
  private readonly objects: ObjectStore;
  private readonly checkProfile: () => Promise<unknown>;
  private readonly now: () => Date;
  private readonly retry: RetryPolicy;

  constructor({ objects, checkProfile, now = () => new Date(), retry = DEFAULT_RETRY }: ObjectStoreEnvRecordStoreOptions) {
    this.objects = objects;
    this.checkProfile = checkProfile;
    this.now = now;
    this.retry = retry;
  }

  async read(envId: string): Promise<EnvRecord | undefined> {
    const key = envRecordKey(validEnvId(envId));
    return this.parse(envId, await this.objects.get(key));
  }

  async list(): Promise<EnvRecord[]> {
    const records = await Promise.all((await this.ids()).map((id) => this.read(id)));
    return records.filter((r): r is EnvRecord => r !== undefined);
  }

  async update(envId: string, updater: EnvRecordUpdater): Promise<EnvRecord> {
    const key = envRecordKey(validEnvId(envId));
    await this.checkProfile();
    return retryOnConflict(
      `The record of environment "${envId}" at ${this.objects.location}`,
      async () => {
        const current = await this.objects.get(key);
        const previous = this.parse(envId, current);
        const record = nextEnvRecord(envId, updater(previous), previous, this.now());
        const text = toJsonText(record);
        // Created only if still absent, replaced only if still the version read: a concurrent writer makes this one retry, never lose its update.
        const etag = current ? await this.objects.putIfMatch(key, text, current.etag) : await this.objects.putIfAbsent(key, text);
        return etag === undefined ? CONFLICT : record;
      },
      this.retry,
    );
  }

  /** Stores `record` as it is (an import), replacing the one there under the same conditional-write rule. */
  async replace(record: EnvRecord): Promise<void> {
    const key = envRecordKey(validEnvId(record.envId));
    const text = toJsonText(envRecordSchema.parse(record));
    await retryOnConflict(
      `The record of environment "${record.envId}" at ${this.objects.location}`,
      async () => {
        const current = await this.objects.get(key);
        const etag = current ? await this.objects.putIfMatch(key, text, current.etag) : await this.objects.putIfAbsent(key, text);
        return etag === undefined ? CONFLICT : undefined;
      },
      this.retry,
    );
  }

  async remove(envId: string): Promise<boolean> {
    const key = envRecordKey(validEnvId(envId));
    const existed = (await this.objects.get(key)) !== undefined;
    await this.objects.delete(key);
    return existed;
  }

  /** Ids of the record objects, without reading them. */
  async ids(): Promise<string[]> {
    const keys = await this.objects.list(ENVS_PREFIX);
    return keys
      .filter((k) => k.endsWith(JSON_SUFFIX) && !k.slice(ENVS_PREFIX.length).includes('/'))
      .map((k) => k.slice(ENVS_PREFIX.length, -JSON_SUFFIX.length))
      .sort();
  }

  private parse(envId: string, object: StoredObject | undefined): EnvRecord | undefined {
    if (!object) return undefined;
    const where = `${this.objects.location}/${envRecordKey(envId)}`;
    const repair = [`Fix or delete the object ${where} if environment "${envId}" no longer exists.`];
    let value: unknown;
    try {
      value = JSON.parse(object.body);
    } catch {
      throw profileDataCorrupt(where, 'it is not valid JSON', repair);
    }
    const parsed = envRecordSchema.safeParse(value);
    if (!parsed.success) throw profileDataCorrupt(where, zodProblems(parsed.error).join('; '), repair);
    if (parsed.data.envId !== envId) throw profileDataCorrupt(where, `it describes environment "${parsed.data.envId}", not "${envId}"`, repair);
    return parsed.data;
  }
}
