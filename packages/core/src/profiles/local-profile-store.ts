import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { clientIdFromKey } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/index.js';
import { preevyHome } from '../paths.js';
import { syncDirectory, writeFileAtomic } from './atomic-write.js';
import { CurrentProfilePointer } from './current-profile-pointer.js';
import { LocalEnvRecordStore, writeEnvRecordFiles } from './local-env-record-store.js';
import { profileDataCorrupt, profileNotFound } from './profile-errors.js';
import { properLock, withLock, type LockFn } from './profile-lock.js';
import { isProfileName, validateProfileName } from './profile-name.js';
import { validateProfileExport, type ProfileExport } from './profile-export.js';
import { profileConfigSchema, type EnvRecord, type ProfileConfig } from './profile-schema.js';
import type {
  CreateProfileInput,
  ImportProfileOptions,
  PinTunnelHostKeyResult,
  Profile,
  ProfileListEntry,
  ProfileStore,
  ProfileUpdate,
  RemoveProfileResult,
} from './profile-store.js';
import { checkedProfileUpdate, DEFAULT_DRIVER, newProfileConfig, pinnedProfileConfig, updatedProfileConfig, validProfileConfig } from './profile-config-changes.js';
import { canonicalTunnelHostKey } from './tunnel-host-key.js';
import { isEnoent, pathExists, readJsonFile, toJsonText, type ProfileStoreFs } from './store-files.js';
import { decodeOpenSshEd25519, generateTunnelKeyPair, parseEd25519PublicKeyLine, type TunnelKeyPair } from './tunnel-key.js';

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
export { DEFAULT_DRIVER };

const PROFILE_FILE = 'profile.json';
const PRIVATE_KEY_FILE = 'tunnel_ed25519';
const PUBLIC_KEY_FILE = `${PRIVATE_KEY_FILE}.pub`;
// Dot-prefixed names are never valid profile names, so listing skips these leftovers of a crash.
const STAGING_PREFIX = '.staging-';
const TRASH_PREFIX = '.trash-';

const suffix = (): string => randomBytes(4).toString('hex');

/** Profiles as directories under `<preevy home>/profiles/<name>/`; every write atomic, every mutation locked. */
export class LocalProfileStore implements ProfileStore {
  readonly root: string;
  private readonly now: () => Date;
  private readonly fs: ProfileStoreFs;
  private readonly lock: LockFn;
  private readonly generateKeyPair: (comment: string) => TunnelKeyPair;
  private readonly current: CurrentProfilePointer;

  constructor({ env = process.env, root = join(preevyHome(env), 'profiles'), now = () => new Date(), fs = nodeFs, lock = properLock, generateKeyPair = generateTunnelKeyPair }: LocalProfileStoreOptions = {}) {
    this.root = root;
    this.now = now;
    this.fs = fs;
    this.lock = lock;
    this.generateKeyPair = generateKeyPair;
    this.current = new CurrentProfilePointer({ root, fs, lock });
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
    return this.current.read();
  }

  async use(name: string): Promise<Profile> {
    const dir = this.profileDir(name);
    await this.ensureRoot();
    return withLock(this.lock, dir, async () => {
      const profile = await this.get(name);
      await this.current.set(name, { onlyIfNone: false });
      return profile;
    });
  }

  async get(name: string): Promise<Profile> {
    const dir = this.profileDir(name);
    const config = await this.readConfig(name);
    const pubPath = join(dir, PUBLIC_KEY_FILE);
    const publicKey = await this.fs.readFile(pubPath, 'utf8').catch((err: unknown) => {
      if (isEnoent(err)) throw profileDataCorrupt(pubPath, 'the file is missing', this.keyRepair(name));
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
      if (!(await pathExists(this.fs, dir))) await this.writeProfileDir(DEFAULT_PROFILE_NAME, this.newConfig({ name: DEFAULT_PROFILE_NAME }), this.generateKeyPair(`preevy-${DEFAULT_PROFILE_NAME}`), [], false);
    });
    await this.current.set(DEFAULT_PROFILE_NAME, { onlyIfNone: true });
    return this.get(DEFAULT_PROFILE_NAME);
  }

  async create(input: CreateProfileInput): Promise<Profile> {
    const dir = this.profileDir(input.name);
    // Everything is checked before the first write: bad input changes nothing.
    const config = this.newConfig(input);
    const keyPair = this.generateKeyPair(`preevy-${input.name}`);
    await this.ensureRoot();
    await withLock(this.lock, dir, async () => {
      if (await pathExists(this.fs, dir)) throw this.alreadyExists(input.name);
      await this.writeProfileDir(input.name, config, keyPair, [], false);
    });
    await this.current.set(input.name, { onlyIfNone: !input.use });
    return this.get(input.name);
  }

  async update(name: string, update: ProfileUpdate): Promise<Profile> {
    const dir = this.profileDir(name);
    // Checked before the lock and the first write: bad input changes nothing.
    const checked = checkedProfileUpdate(update);
    await this.ensureRoot();
    await withLock(this.lock, dir, async () => {
      const next = updatedProfileConfig(await this.readConfig(name), checked, this.now());
      await writeFileAtomic(join(dir, PROFILE_FILE), toJsonText(next), { fs: this.fs });
    });
    return this.get(name);
  }

  async pinTunnelHostKey(name: string, seen: { tunnelUrl: string; hostKey: string; forProject?: boolean }): Promise<PinTunnelHostKeyResult> {
    const dir = this.profileDir(name);
    canonicalTunnelHostKey(seen.hostKey);
    await this.ensureRoot();
    const pinned = await withLock(this.lock, dir, async () => {
      const next = pinnedProfileConfig(name, await this.readConfig(name), seen, this.now());
      if (next) await writeFileAtomic(join(dir, PROFILE_FILE), toJsonText(next), { fs: this.fs });
      return next !== undefined;
    });
    return { profile: await this.get(name), pinned };
  }

  async remove(name: string, { force = false }: { force?: boolean } = {}): Promise<RemoveProfileResult> {
    const dir = this.profileDir(name);
    await this.ensureRoot();
    return withLock(this.lock, dir, async () => {
      if (!(await pathExists(this.fs, dir))) throw profileNotFound(name);
      // A corrupted pointer cannot name this profile for sure: treat it as not current.
      const wasCurrent = (await this.currentName().catch(() => undefined)) === name;
      if (wasCurrent && !force) {
        throw new PreevyError(`Profile "${name}" is the current profile.`, {
          code: 'PROFILE_IS_CURRENT',
          kind: 'conflict',
          suggestions: ['Switch to another profile first with `preevy profile use OTHER`.', 'Or pass --force to remove it anyway.'],
        });
      }
      const envs = this.envs(name);
      const envIds = await envs.ids();
      if (!force) {
        const live = (await envs.list()).filter((e) => e.status !== 'deleted').map((e) => e.envId);
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
      if (wasCurrent) await this.current.clear(name);
      return { name, wasCurrent, envIds };
    });
  }

  async readPrivateKey(name: string): Promise<string> {
    const dir = this.profileDir(name);
    await this.readConfig(name);
    const path = join(dir, PRIVATE_KEY_FILE);
    const text = await this.fs.readFile(path, 'utf8').catch((err: unknown) => {
      if (isEnoent(err)) throw profileDataCorrupt(path, 'the file is missing', this.keyRepair(name));
      throw err;
    });
    this.guard(() => decodeOpenSshEd25519(text, path), path, this.keyRepair(name));
    return text;
  }

  /** The profile's environment records, kept in its directory and written under its lock. */
  envs(profile: string): LocalEnvRecordStore {
    return new LocalEnvRecordStore({ profile, profileDir: this.profileDir(profile), checkProfile: () => this.readConfig(profile), fs: this.fs, lock: this.lock, now: this.now });
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
      ...(includeEnvs ? { envs: await this.envs(name).list() } : {}),
    };
  }

  async importProfile(doc: ProfileExport, { name: rename, use = false, force = false }: ImportProfileOptions = {}): Promise<Profile> {
    // Checked again here: callers may build the document themselves instead of parsing a file.
    const valid = validateProfileExport(doc, 'The profile file');
    const name = rename ?? valid.profile.name;
    const dir = this.profileDir(name);
    const { name: _exportedName, ...settings } = valid.profile;
    const config = validProfileConfig({ version: 1, ...settings });
    await this.ensureRoot();
    await withLock(this.lock, dir, async () => {
      const exists = await pathExists(this.fs, dir);
      if (exists && !force) throw this.alreadyExists(name, true);
      // Records of environments that may still run are state, not settings: --force keeps the
      // ones the file does not carry, so replacing a profile never forgets a live environment.
      const fromFile = valid.envs ?? [];
      const kept = exists ? (await this.envs(name).list()).filter((e) => !fromFile.some((f) => f.envId === e.envId)) : [];
      await this.writeProfileDir(name, config, { privateKey: valid.privateKey, publicKey: valid.publicKey.trim() }, [...kept, ...fromFile], exists);
    });
    await this.current.set(name, { onlyIfNone: !use });
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
    return newProfileConfig(input, this.now());
  }

  private async readConfig(name: string): Promise<ProfileConfig> {
    const path = join(this.profileDir(name), PROFILE_FILE);
    const config = await readJsonFile(this.fs, path, profileConfigSchema, [
      `Fix the file by hand (see \`preevy profile config view --help\`), restore it with \`preevy profile import FILE --name ${name} --force\`, or remove the profile with \`preevy profile rm ${name} --force\`.`,
    ]);
    if (config) return config;
    if (await pathExists(this.fs, this.profileDir(name))) throw profileDataCorrupt(path, 'the file is missing', this.keyRepair(name));
    throw profileNotFound(name);
  }

  private guard<T>(fn: () => T, path: string, repair: readonly string[]): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof PreevyError) throw profileDataCorrupt(path, err.message, repair);
      throw err;
    }
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
      await writeEnvRecordFiles(this.fs, staging, envs);
      await writeFileAtomic(join(staging, PROFILE_FILE), toJsonText(config), { fs: this.fs });
      await writeFileAtomic(join(staging, PRIVATE_KEY_FILE), keys.privateKey, { fs: this.fs, mode: 0o600 });
      await writeFileAtomic(join(staging, PUBLIC_KEY_FILE), `${keys.publicKey}\n`, { fs: this.fs });
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
}
