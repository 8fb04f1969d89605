import * as nodeFs from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { nextEnvRecord, validEnvId, type EnvRecordStore, type EnvRecordUpdater } from './env-record-store.js';
import { profileDataCorrupt, profileNotFound } from './profile-errors.js';
import { properLock, withLock, type LockFn } from './profile-lock.js';
import { envRecordSchema, type EnvRecord } from './profile-schema.js';
import { isEnoent, pathExists, readJsonFile, toJsonText, type ProfileStoreFs } from './store-files.js';

const ENVS_DIR = 'envs';

const recordPath = (profileDir: string, envId: string): string => join(profileDir, ENVS_DIR, `${envId}.json`);

/** Where a profile's records live and the side effects they need. */
export interface LocalEnvRecordStoreOptions {
  /** The profile's name, for messages. */
  profile: string;
  /** Records are `<profileDir>/envs/<envId>.json`; writes hold the lock on `profileDir`, the one the profile's own changes take. */
  profileDir: string;
  /** Throws (PROFILE_NOT_FOUND, PROFILE_DATA_CORRUPT) unless the profile is whole; run under the lock before every write. */
  checkProfile: () => Promise<unknown>;
  fs?: ProfileStoreFs;
  lock?: LockFn;
  now?: () => Date;
}

/** The environment records of one local profile, one JSON file each; every write atomic and under the profile's lock. */
export class LocalEnvRecordStore implements EnvRecordStore {
  private readonly profile: string;
  private readonly profileDir: string;
  private readonly checkProfile: () => Promise<unknown>;
  private readonly fs: ProfileStoreFs;
  private readonly lock: LockFn;
  private readonly now: () => Date;

  constructor({ profile, profileDir, checkProfile, fs = nodeFs, lock = properLock, now = () => new Date() }: LocalEnvRecordStoreOptions) {
    this.profile = profile;
    this.profileDir = profileDir;
    this.checkProfile = checkProfile;
    this.fs = fs;
    this.lock = lock;
    this.now = now;
  }

  async read(envId: string): Promise<EnvRecord | undefined> {
    const path = recordPath(this.profileDir, validEnvId(envId));
    const repair = [`Fix the file by hand, or delete it if environment "${envId}" no longer exists.`];
    const record = await readJsonFile(this.fs, path, envRecordSchema, repair);
    if (record && record.envId !== envId) throw profileDataCorrupt(path, `it describes environment "${record.envId}", not "${envId}"`, repair);
    return record;
  }

  async list(): Promise<EnvRecord[]> {
    const records = await Promise.all((await this.ids()).map((id) => this.read(id)));
    return records.filter((r): r is EnvRecord => r !== undefined);
  }

  async update(envId: string, updater: EnvRecordUpdater): Promise<EnvRecord> {
    const path = recordPath(this.profileDir, validEnvId(envId));
    await this.ensureParent();
    return withLock(this.lock, this.profileDir, async () => {
      await this.checkProfile();
      const previous = await this.read(envId);
      const record = nextEnvRecord(envId, updater(previous), previous, this.now());
      await this.fs.mkdir(join(this.profileDir, ENVS_DIR), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, toJsonText(record), { fs: this.fs });
      return record;
    });
  }

  async remove(envId: string): Promise<boolean> {
    const path = recordPath(this.profileDir, validEnvId(envId));
    await this.ensureParent();
    return withLock(this.lock, this.profileDir, async () => {
      const existed = await pathExists(this.fs, path);
      await this.fs.rm(path, { force: true });
      return existed;
    });
  }

  /** Ids of the record files, without reading them (so `profile rm --force` works on corrupted records). */
  async ids(): Promise<string[]> {
    if (!(await pathExists(this.fs, this.profileDir))) throw profileNotFound(this.profile);
    const files = await this.fs.readdir(join(this.profileDir, ENVS_DIR)).catch((err: unknown) => {
      if (isEnoent(err)) return [];
      throw err;
    });
    // Temp files of an interrupted write start with a dot and end in .tmp: not records.
    return files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -'.json'.length)).sort();
  }

  // The lock is a sibling of the profile directory, so their parent must exist even before the profile does.
  private async ensureParent(): Promise<void> {
    await this.fs.mkdir(dirname(this.profileDir), { recursive: true, mode: 0o700 });
  }
}

/** Writes `records` into a profile directory that nobody else sees yet (a staging copy): no lock, no checks. */
export const writeEnvRecordFiles = async (fs: ProfileStoreFs, profileDir: string, records: readonly EnvRecord[]): Promise<void> => {
  await fs.mkdir(join(profileDir, ENVS_DIR), { recursive: true, mode: 0o700 });
  for (const record of records) await writeFileAtomic(recordPath(profileDir, record.envId), toJsonText(record), { fs });
};
