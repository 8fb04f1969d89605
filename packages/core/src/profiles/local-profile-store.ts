import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { clientIdFromKey, ENV_ID_RULE } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/index.js';
import { preevyHome } from '../paths.js';
import { syncDirectory, writeFileAtomic } from './atomic-write.js';
import { properLock, withLock, type LockFn } from './profile-lock.js';
import { isProfileName, validateProfileName } from './profile-name.js';
import { validateProfileExport, type ProfileExport } from './profile-export.js';
import { currentPointerSchema, envIdSchema, envRecordSchema, profileConfigSchema, type EnvRecord, type ProfileConfig } from './profile-schema.js';
import type {
  CreateProfileInput,
  EnvRecordInput,
  ImportProfileOptions,
  PinTunnelHostKeyResult,
  Profile,
  ProfileListEntry,
  ProfileStore,
  ProfileUpdate,
  RemoveProfileResult,
} from './profile-store.js';
import { canonicalTunnelHostKey, tunnelHostKeyChanged, tunnelHostKeyMatches } from './tunnel-host-key.js';
import { decodeOpenSshEd25519, generateTunnelKeyPair, parseEd25519PublicKeyLine, type TunnelKeyPair } from './tunnel-key.js';
import { zodProblems } from './zod-problems.js';

/** The file operations the store uses (node:fs/promises by default). */
export type ProfileStoreFs = Pick<typeof nodeFs, 'open' | 'rename' | 'rm' | 'readFile' | 'readdir' | 'mkdir' | 'stat'>;

/** Where the store lives and its side effects (file system, clock, lock, key generation). */
export interface LocalProfileStoreOptions {
  /** Default: `<preevy home>/profiles`. */
  root?: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  fs?: ProfileStoreFs;
  lock?: LockFn;
  generateKeyPair?: (comment: string) => TunnelKeyPair;
}

/** The name `preevy up` uses when the user has set nothing up. */
export const DEFAULT_PROFILE_NAME = 'default';
/** The driver of a profile created without one. */
export const DEFAULT_DRIVER = 'docker';

const PROFILE_FILE = 'profile.json';
const PRIVATE_KEY_FILE = 'tunnel_ed25519';
const PUBLIC_KEY_FILE = `${PRIVATE_KEY_FILE}.pub`;
const ENVS_DIR = 'envs';
const CURRENT_FILE = 'current.json';
// Dot-prefixed names are never valid profile names, so listing skips these leftovers of a crash.
const STAGING_PREFIX = '.staging-';
const TRASH_PREFIX = '.trash-';

const isEnoent = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const suffix = (): string => randomBytes(4).toString('hex');

const corrupt = (path: string, detail: string, suggestions: readonly string[]): PreevyError =>
  new PreevyError(`${path} is corrupted: ${detail}`, { code: 'PROFILE_DATA_CORRUPT', kind: 'invalid-input', suggestions });

const notFound = (name: string): PreevyError =>
  new PreevyError(`Profile "${name}" does not exist.`, {
    code: 'PROFILE_NOT_FOUND',
    kind: 'not-found',
    suggestions: ['List the profiles with `preevy profile ls`.', `Create it with \`preevy profile create ${name}\`, or import it with \`preevy profile import FILE --name ${name}\`.`],
  });

const invalidSettings = (error: z.ZodError): PreevyError =>
  new PreevyError(`Invalid profile settings: ${zodProblems(error).join('; ')}.`, {
    code: 'PROFILE_SETTINGS_INVALID',
    kind: 'invalid-input',
    suggestions: ['See `preevy profile create --help` for the accepted values.'],
  });

/** Profiles as directories under `<preevy home>/profiles/<name>/`; every write atomic, every mutation locked. */
export class LocalProfileStore implements ProfileStore {
  readonly root: string;
  private readonly now: () => Date;
  private readonly fs: ProfileStoreFs;
  private readonly lock: LockFn;
  private readonly generateKeyPair: (comment: string) => TunnelKeyPair;

  constructor({ env = process.env, root = join(preevyHome(env), 'profiles'), now = () => new Date(), fs = nodeFs, lock = properLock, generateKeyPair = generateTunnelKeyPair }: LocalProfileStoreOptions = {}) {
    this.root = root;
    this.now = now;
    this.fs = fs;
    this.lock = lock;
    this.generateKeyPair = generateKeyPair;
  }

  /** The directory of a profile (which may not exist). */
  profileDir(name: string): string {
    return join(this.root, validateProfileName(name));
  }

  async list(): Promise<ProfileListEntry[]> {
    const entries = await this.fs.readdir(this.root, { withFileTypes: true }).catch((err: unknown) => {
      if (isEnoent(err)) return [];
      throw err;
    });
    const current = await this.currentName().catch(() => undefined);
    const names = entries.filter((e) => e.isDirectory() && isProfileName(e.name)).map((e) => e.name).sort();
    return Promise.all(
      names.map(async (name): Promise<ProfileListEntry> => {
        const base = { name, current: name === current };
        try {
          const p = await this.get(name);
          return { ...base, driver: p.driver, ...(p.tunnelUrl === undefined ? {} : { tunnelUrl: p.tunnelUrl }) };
        } catch (err) {
          // One broken profile must not hide the others: report it on its own line.
          if (err instanceof PreevyError) return { ...base, problem: err.message };
          throw err;
        }
      }),
    );
  }

  async currentName(): Promise<string | undefined> {
    const pointer = await this.readJson(join(this.root, CURRENT_FILE), currentPointerSchema, ['Set the current profile again with `preevy profile use NAME`.']);
    return pointer?.profile;
  }

  async use(name: string): Promise<Profile> {
    const dir = this.profileDir(name);
    await this.ensureRoot();
    return withLock(this.lock, dir, async () => {
      const profile = await this.get(name);
      await this.setCurrent(name, { onlyIfNone: false });
      return profile;
    });
  }

  async get(name: string): Promise<Profile> {
    const dir = this.profileDir(name);
    const config = await this.readConfig(name);
    const pubPath = join(dir, PUBLIC_KEY_FILE);
    const publicKey = await this.fs.readFile(pubPath, 'utf8').catch((err: unknown) => {
      if (isEnoent(err)) throw corrupt(pubPath, 'the file is missing', this.keyRepair(name));
      throw err;
    });
    const blob = this.guard(() => parseEd25519PublicKeyLine(publicKey, pubPath), pubPath, this.keyRepair(name));
    return {
      name,
      driver: config.driver,
      driverOptions: config.driverOptions,
      ...(config.tunnelUrl === undefined ? {} : { tunnelUrl: config.tunnelUrl }),
      ...(config.tunnelHostKey === undefined ? {} : { tunnelHostKey: config.tunnelHostKey }),
      ...(config.projectTunnelHostKeys === undefined ? {} : { projectTunnelHostKeys: config.projectTunnelHostKeys }),
      publicKey: publicKey.trim(),
      clientId: clientIdFromKey(blob),
      createdAt: config.createdAt,
      updatedAt: config.updatedAt,
    };
  }

  async resolve(name?: string): Promise<Profile> {
    if (name !== undefined) return this.get(name);
    const current = await this.currentName();
    if (current === undefined) return this.ensureDefaultProfile();
    return this.get(current).catch((err: unknown) => {
      if (!(err instanceof PreevyError) || err.code !== 'PROFILE_NOT_FOUND') throw err;
      throw new PreevyError(`The current profile "${current}" does not exist.`, {
        code: 'PROFILE_NOT_FOUND',
        kind: 'not-found',
        suggestions: ['Pick another one with `preevy profile use NAME` (see `preevy profile ls`), or pass --profile NAME.'],
      });
    });
  }

  async ensureDefaultProfile(): Promise<Profile> {
    const dir = this.profileDir(DEFAULT_PROFILE_NAME);
    await this.ensureRoot();
    // Under the lock, so two first-ever `up`s running at once both end up with the same key.
    await withLock(this.lock, dir, async () => {
      if (!(await this.exists(dir))) await this.writeProfileDir(DEFAULT_PROFILE_NAME, this.newConfig({ name: DEFAULT_PROFILE_NAME }), this.generateKeyPair(`preevy-${DEFAULT_PROFILE_NAME}`), [], false);
    });
    await this.setCurrent(DEFAULT_PROFILE_NAME, { onlyIfNone: true });
    return this.get(DEFAULT_PROFILE_NAME);
  }

  async create(input: CreateProfileInput): Promise<Profile> {
    const dir = this.profileDir(input.name);
    // Everything is checked before the first write: bad input changes nothing.
    const config = this.newConfig(input);
    const keyPair = this.generateKeyPair(`preevy-${input.name}`);
    await this.ensureRoot();
    await withLock(this.lock, dir, async () => {
      if (await this.exists(dir)) throw this.alreadyExists(input.name);
      await this.writeProfileDir(input.name, config, keyPair, [], false);
    });
    await this.setCurrent(input.name, { onlyIfNone: !input.use });
    return this.get(input.name);
  }

  async update(name: string, update: ProfileUpdate): Promise<Profile> {
    const dir = this.profileDir(name);
    // Checked before the lock and the first write: bad input changes nothing.
    const newPin = typeof update.tunnelHostKey === 'string' ? canonicalTunnelHostKey(update.tunnelHostKey) : update.tunnelHostKey;
    await this.ensureRoot();
    await withLock(this.lock, dir, async () => {
      const config = await this.readConfig(name);
      const driverChanged = update.driver !== undefined && update.driver !== config.driver;
      const driverOptions = { ...(driverChanged ? {} : config.driverOptions), ...update.driverOptions };
      for (const key of update.unsetDriverOptions ?? []) delete driverOptions[key];
      const { tunnelUrl: previousUrl, tunnelHostKey: previousPin, ...rest } = config;
      const tunnelUrl = update.tunnelUrl === null ? undefined : (update.tunnelUrl ?? previousUrl);
      // A pin belongs to the server it was taken from: another URL starts unpinned unless a key comes with it.
      const tunnelHostKey = newPin === null ? undefined : (newPin ?? (tunnelUrl === previousUrl ? previousPin : undefined));
      const next = this.validConfig({
        ...rest,
        driver: update.driver ?? config.driver,
        driverOptions,
        ...(tunnelUrl === undefined ? {} : { tunnelUrl }),
        ...(tunnelHostKey === undefined ? {} : { tunnelHostKey }),
        updatedAt: this.now().toISOString(),
      });
      await writeFileAtomic(join(dir, PROFILE_FILE), toJson(next), { fs: this.fs });
    });
    return this.get(name);
  }

  async pinTunnelHostKey(name: string, { tunnelUrl, hostKey, forProject = false }: { tunnelUrl: string; hostKey: string; forProject?: boolean }): Promise<PinTunnelHostKeyResult> {
    const dir = this.profileDir(name);
    const presented = canonicalTunnelHostKey(hostKey);
    await this.ensureRoot();
    const pinned = await withLock(this.lock, dir, async () => {
      const config = await this.readConfig(name);
      if (forProject) {
        const known = config.projectTunnelHostKeys?.[tunnelUrl];
        if (known !== undefined) {
          if (tunnelHostKeyMatches(known, presented)) return false;
          throw tunnelHostKeyChanged({ profile: name, tunnelUrl, pinned: known, presented, forProject });
        }
        const projectTunnelHostKeys = { ...config.projectTunnelHostKeys, [tunnelUrl]: presented };
        await writeFileAtomic(join(dir, PROFILE_FILE), toJson(this.validConfig({ ...config, projectTunnelHostKeys, updatedAt: this.now().toISOString() })), { fs: this.fs });
        return true;
      }
      if (config.tunnelUrl !== tunnelUrl) {
        throw new PreevyError(`The tunnel URL of profile "${name}" changed while this command talked to ${tunnelUrl}.`, {
          code: 'TUNNEL_URL_CHANGED',
          kind: 'conflict',
          suggestions: ['Check the profile with `preevy profile config view`, then run the command again.'],
        });
      }
      // Another command may have pinned a key since this one read the profile: the lock makes that visible.
      if (config.tunnelHostKey !== undefined) {
        if (tunnelHostKeyMatches(config.tunnelHostKey, presented)) return false;
        throw tunnelHostKeyChanged({ profile: name, tunnelUrl, pinned: config.tunnelHostKey, presented });
      }
      const next = this.validConfig({ ...config, tunnelHostKey: presented, updatedAt: this.now().toISOString() });
      await writeFileAtomic(join(dir, PROFILE_FILE), toJson(next), { fs: this.fs });
      return true;
    });
    return { profile: await this.get(name), pinned };
  }

  async remove(name: string, { force = false }: { force?: boolean } = {}): Promise<RemoveProfileResult> {
    const dir = this.profileDir(name);
    await this.ensureRoot();
    return withLock(this.lock, dir, async () => {
      if (!(await this.exists(dir))) throw notFound(name);
      // A corrupted pointer cannot name this profile for sure: treat it as not current.
      const wasCurrent = (await this.currentName().catch(() => undefined)) === name;
      if (wasCurrent && !force) {
        throw new PreevyError(`Profile "${name}" is the current profile.`, {
          code: 'PROFILE_IS_CURRENT',
          kind: 'conflict',
          suggestions: ['Switch to another profile first with `preevy profile use OTHER`.', 'Or pass --force to remove it anyway.'],
        });
      }
      const envIds = await this.envFileIds(name);
      if (!force) {
        const live = (await this.listEnvs(name)).filter((e) => e.status !== 'deleted').map((e) => e.envId);
        if (live.length) {
          throw new PreevyError(`Profile "${name}" has environments that may still be running: ${live.join(', ')}.`, {
            code: 'PROFILE_HAS_ENVIRONMENTS',
            kind: 'conflict',
            suggestions: [
              ...live.map((id) => `Remove it with \`preevy down --profile ${name} --id ${id}\`.`),
              'Or pass --force to remove the profile anyway (their resources keep running, and this key can no longer reach their tunnels).',
            ],
          });
        }
      }
      // Rename first: the profile disappears at once, even if the recursive delete is interrupted.
      const trash = join(this.root, `${TRASH_PREFIX}${name}-${suffix()}`);
      await this.fs.rename(dir, trash);
      await this.fs.rm(trash, { recursive: true, force: true });
      if (wasCurrent) await this.clearCurrent(name);
      return { name, wasCurrent, envIds };
    });
  }

  async readPrivateKey(name: string): Promise<string> {
    const dir = this.profileDir(name);
    await this.readConfig(name);
    const path = join(dir, PRIVATE_KEY_FILE);
    const text = await this.fs.readFile(path, 'utf8').catch((err: unknown) => {
      if (isEnoent(err)) throw corrupt(path, 'the file is missing', this.keyRepair(name));
      throw err;
    });
    this.guard(() => decodeOpenSshEd25519(text, path), path, this.keyRepair(name));
    return text;
  }

  async listEnvs(profile: string): Promise<EnvRecord[]> {
    const ids = await this.envFileIds(profile);
    const records = await Promise.all(ids.map((id) => this.readEnv(profile, id)));
    return records.filter((r): r is EnvRecord => r !== undefined);
  }

  async readEnv(profile: string, envId: string): Promise<EnvRecord | undefined> {
    const path = this.envPath(profile, envId);
    const repair = [`Fix the file by hand, or delete it if environment "${envId}" no longer exists.`];
    const record = await this.readJson(path, envRecordSchema, repair);
    if (record && record.envId !== envId) throw corrupt(path, `it describes environment "${record.envId}", not "${envId}"`, repair);
    return record;
  }

  async writeEnv(profile: string, input: EnvRecordInput): Promise<EnvRecord> {
    return this.updateEnv(profile, input.envId, () => input);
  }

  async updateEnv(profile: string, envId: string, update: (previous: EnvRecord | undefined) => EnvRecordInput): Promise<EnvRecord> {
    const dir = this.profileDir(profile);
    const path = this.envPath(profile, envId);
    await this.ensureRoot();
    return withLock(this.lock, dir, async () => {
      await this.readConfig(profile);
      const previous = await this.readEnv(profile, envId);
      const input = update(previous);
      const now = this.now().toISOString();
      const parsed = envRecordSchema.safeParse({
        version: 1,
        envId: input.envId,
        composeProject: input.composeProject,
        driver: input.driver,
        status: input.status,
        urls: input.urls ?? previous?.urls ?? [],
        createdAt: previous?.createdAt ?? now,
        updatedAt: now,
      });
      if (!parsed.success || input.envId !== envId) {
        throw new PreevyError(`Invalid record for environment "${envId}": ${parsed.success ? `its envId is "${input.envId}"` : zodProblems(parsed.error).join('; ')}.`, {
          code: 'ENV_RECORD_INVALID',
          kind: 'internal',
        });
      }
      await this.fs.mkdir(join(dir, ENVS_DIR), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, toJson(parsed.data), { fs: this.fs });
      return parsed.data;
    });
  }

  async removeEnv(profile: string, envId: string): Promise<boolean> {
    const dir = this.profileDir(profile);
    const path = this.envPath(profile, envId);
    await this.ensureRoot();
    return withLock(this.lock, dir, async () => {
      const existed = await this.exists(path);
      await this.fs.rm(path, { force: true });
      return existed;
    });
  }

  async exportProfile(name: string, { includeEnvs = false }: { includeEnvs?: boolean } = {}): Promise<ProfileExport> {
    const config = await this.readConfig(name);
    const profile = await this.get(name);
    const privateKey = await this.readPrivateKey(name);
    const { version: _version, ...settings } = config;
    return {
      formatVersion: 1,
      profile: { name, ...settings },
      privateKey,
      publicKey: profile.publicKey,
      ...(includeEnvs ? { envs: await this.listEnvs(name) } : {}),
    };
  }

  async importProfile(doc: ProfileExport, { name: rename, use = false, force = false }: ImportProfileOptions = {}): Promise<Profile> {
    // Checked again here: callers may build the document themselves instead of parsing a file.
    const valid = validateProfileExport(doc, 'The profile file');
    const name = rename ?? valid.profile.name;
    const dir = this.profileDir(name);
    const { name: _exportedName, ...settings } = valid.profile;
    const config = this.validConfig({ version: 1, ...settings });
    await this.ensureRoot();
    await withLock(this.lock, dir, async () => {
      const exists = await this.exists(dir);
      if (exists && !force) throw this.alreadyExists(name, true);
      // Records of environments that may still run are state, not settings: --force keeps the
      // ones the file does not carry, so replacing a profile never forgets a live environment.
      const fromFile = valid.envs ?? [];
      const kept = exists ? (await this.listEnvs(name)).filter((e) => !fromFile.some((f) => f.envId === e.envId)) : [];
      await this.writeProfileDir(name, config, { privateKey: valid.privateKey, publicKey: valid.publicKey.trim() }, [...kept, ...fromFile], exists);
    });
    await this.setCurrent(name, { onlyIfNone: !use });
    return this.get(name);
  }

  private alreadyExists(name: string, importing = false): PreevyError {
    return new PreevyError(`Profile "${name}" already exists.`, {
      code: 'PROFILE_EXISTS',
      kind: 'conflict',
      suggestions: importing
        ? ['Import it under another name with --name NEW_NAME, or replace it with --force.']
        : [`Pick another name, change this one with \`preevy profile config update --profile ${name}\`, or remove it first with \`preevy profile rm ${name}\`.`],
    });
  }

  private keyRepair(name: string): string[] {
    return [`Restore the profile from an export with \`preevy profile import FILE --name ${name} --force\`, or remove it with \`preevy profile rm ${name} --force\`.`];
  }

  private newConfig(input: Omit<CreateProfileInput, 'use'>): ProfileConfig {
    const now = this.now().toISOString();
    return this.validConfig({
      version: 1,
      driver: input.driver ?? DEFAULT_DRIVER,
      driverOptions: input.driverOptions ?? {},
      ...(input.tunnelUrl === undefined ? {} : { tunnelUrl: input.tunnelUrl }),
      ...(input.tunnelHostKey === undefined ? {} : { tunnelHostKey: canonicalTunnelHostKey(input.tunnelHostKey) }),
      createdAt: now,
      updatedAt: now,
    });
  }

  private validConfig(value: unknown): ProfileConfig {
    const parsed = profileConfigSchema.safeParse(value);
    if (!parsed.success) throw invalidSettings(parsed.error);
    return parsed.data;
  }

  private async readConfig(name: string): Promise<ProfileConfig> {
    const path = join(this.profileDir(name), PROFILE_FILE);
    const config = await this.readJson(path, profileConfigSchema, [
      `Fix the file by hand (see \`preevy profile config view --help\`), restore it with \`preevy profile import FILE --name ${name} --force\`, or remove the profile with \`preevy profile rm ${name} --force\`.`,
    ]);
    if (config) return config;
    if (await this.exists(this.profileDir(name))) throw corrupt(path, 'the file is missing', this.keyRepair(name));
    throw notFound(name);
  }

  private envPath(profile: string, envId: string): string {
    if (!envIdSchema.safeParse(envId).success) {
      throw new PreevyError(`Invalid environment id "${envId}".`, {
        code: 'ENV_ID_INVALID',
        kind: 'invalid-input',
        suggestions: [`An environment id is ${ENV_ID_RULE}; \`preevy env-id --id NAME\` shows what NAME becomes.`],
      });
    }
    return join(this.profileDir(profile), ENVS_DIR, `${envId}.json`);
  }

  /** Ids of the env record files, without reading them (so `rm --force` works on corrupted records). */
  private async envFileIds(profile: string): Promise<string[]> {
    if (!(await this.exists(this.profileDir(profile)))) throw notFound(profile);
    const files = await this.fs.readdir(join(this.profileDir(profile), ENVS_DIR)).catch((err: unknown) => {
      if (isEnoent(err)) return [];
      throw err;
    });
    // Temp files of an interrupted write start with a dot and end in .tmp: not records.
    return files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -'.json'.length)).sort();
  }

  private async readJson<T>(path: string, schema: z.ZodType<T>, repair: readonly string[]): Promise<T | undefined> {
    let text: string;
    try {
      text = await this.fs.readFile(path, 'utf8');
    } catch (err) {
      if (isEnoent(err)) return undefined;
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw corrupt(path, 'it is not valid JSON', repair);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw corrupt(path, zodProblems(parsed.error).join('; '), repair);
    return parsed.data;
  }

  private guard<T>(fn: () => T, path: string, repair: readonly string[]): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof PreevyError) throw corrupt(path, err.message, repair);
      throw err;
    }
  }

  private async exists(path: string): Promise<boolean> {
    return this.fs.stat(path).then(
      () => true,
      (err: unknown) => {
        if (isEnoent(err)) return false;
        throw err;
      },
    );
  }

  private async ensureRoot(): Promise<void> {
    await this.fs.mkdir(this.root, { recursive: true, mode: 0o700 });
  }

  /** Builds the profile in a staging directory and renames it into place: a profile appears whole or not at all. */
  private async writeProfileDir(name: string, config: ProfileConfig, keys: Pick<TunnelKeyPair, 'privateKey' | 'publicKey'>, envs: readonly EnvRecord[], replace: boolean): Promise<void> {
    const target = join(this.root, name);
    const staging = join(this.root, `${STAGING_PREFIX}${name}-${suffix()}`);
    let trash: string | undefined;
    try {
      await this.fs.mkdir(join(staging, ENVS_DIR), { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(staging, PROFILE_FILE), toJson(config), { fs: this.fs });
      await writeFileAtomic(join(staging, PRIVATE_KEY_FILE), keys.privateKey, { fs: this.fs, mode: 0o600 });
      await writeFileAtomic(join(staging, PUBLIC_KEY_FILE), `${keys.publicKey}\n`, { fs: this.fs });
      for (const env of envs) await writeFileAtomic(join(staging, ENVS_DIR, `${env.envId}.json`), toJson(env), { fs: this.fs });
      if (replace) {
        trash = join(this.root, `${TRASH_PREFIX}${name}-${suffix()}`);
        await this.fs.rename(target, trash);
      }
      await this.fs.rename(staging, target);
    } catch (err) {
      if (trash) await this.fs.rename(trash, target).catch(() => undefined);
      await this.fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    await syncDirectory(this.root, this.fs);
    if (trash) await this.fs.rm(trash, { recursive: true, force: true });
  }

  private async setCurrent(name: string, { onlyIfNone }: { onlyIfNone: boolean }): Promise<void> {
    const path = join(this.root, CURRENT_FILE);
    await withLock(this.lock, path, async () => {
      if (onlyIfNone && (await this.currentName().catch(() => 'unreadable')) !== undefined) return;
      await writeFileAtomic(path, toJson({ version: 1, profile: name }), { fs: this.fs });
    });
  }

  private async clearCurrent(name: string): Promise<void> {
    const path = join(this.root, CURRENT_FILE);
    await withLock(this.lock, path, async () => {
      if ((await this.currentName().catch(() => undefined)) === name) await this.fs.rm(path, { force: true });
    });
  }
}
