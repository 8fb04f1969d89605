import { z } from 'zod';
import { clientIdFromKey } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/index.js';
import { CONFLICT, DEFAULT_RETRY, retryOnConflict, type ObjectStore, type RetryPolicy, type StoredObject } from './object-store.js';
import { ObjectStoreEnvRecordStore } from './object-store-env-record-store.js';
import { checkedProfileUpdate, newProfileConfig, pinnedProfileConfig, updatedProfileConfig, validProfileConfig } from './profile-config-changes.js';
import { profileDataCorrupt } from './profile-errors.js';
import { validateProfileExport, type ProfileExport } from './profile-export.js';
import { isProfileName, validateProfileName } from './profile-name.js';
import { pinNeedsTunnelUrl, profileSettingsShape, type ProfileConfig } from './profile-schema.js';
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
import { toJsonText } from './store-files.js';
import { generateTunnelKeyPair, parseEd25519PublicKeyLine, tunnelKeyPairFromPrivate, type TunnelKeyPair } from './tunnel-key.js';
import { zodProblems } from './zod-problems.js';

/** The object that makes a prefix a preevy profile; written last on create, first removed. */
export const PROFILE_OBJECT = 'profile.json';
const KIND = 'preevy-profile';
const KEYS_PREFIX = 'keys/';

// The private key object is named after the key's client id, so replacing the key (import
// --force) writes a new object and switches to it with one conditional write of profile.json:
// a reader never sees settings and a key that do not belong together.
const keyObjectOf = (clientId: string): string => `${KEYS_PREFIX}${clientId}`;

const remoteProfileSchema = z
  .object({
    version: z.literal(1),
    kind: z.literal(KIND),
    name: z.string().refine(isProfileName, 'not a valid profile name'),
    ...profileSettingsShape,
    publicKey: z.string(),
    privateKeyObject: z.string().regex(/^keys\/[a-z0-9]+$/, 'must be keys/<client id>'),
  })
  .refine(...pinNeedsTunnelUrl);
type RemoteProfile = z.infer<typeof remoteProfileSchema>;

interface Versioned {
  doc: RemoteProfile;
  etag: string;
}

/** What an ObjectStoreProfileStore works on and its side effects. */
export interface ObjectStoreProfileStoreOptions {
  objects: ObjectStore;
  now?: () => Date;
  generateKeyPair?: (comment: string) => TunnelKeyPair;
  retry?: RetryPolicy;
}

const remoteNotFound = (location: string, url: string): PreevyError =>
  new PreevyError(`There is no preevy profile at ${location} (no ${PROFILE_OBJECT} under that prefix).`, {
    code: 'PROFILE_NOT_FOUND',
    kind: 'not-found',
    suggestions: ['Check the bucket and prefix of the URL.', `Create a profile there with \`preevy profile create NAME --store ${url}\`, or import one with \`preevy profile import FILE --store ${url}\`.`],
  });

/** `doc` with its settings replaced by `config` (a setting absent from `config` is removed, not kept). */
const withConfig = ({ kind, name, publicKey, privateKeyObject }: RemoteProfile, config: ProfileConfig): RemoteProfile => ({ ...config, kind, name, publicKey, privateKeyObject });

const configOf = (doc: RemoteProfile): ProfileConfig => {
  const { kind: _kind, name: _name, publicKey: _pk, privateKeyObject: _ko, ...config } = doc;
  return config;
};

/**
 * One profile kept in an object store under a prefix (S3): `profile.json` (settings, public key,
 * the name every machine shares), `keys/<client id>` (the private key, written as a secret) and
 * `envs/<envId>.json` (one record per environment). No lock: every change is a conditional write
 * of the object it changes, retried when another writer won, so concurrent CI jobs lose nothing.
 */
export class ObjectStoreProfileStore implements ProfileStore {
  private readonly objects: ObjectStore;
  private readonly now: () => Date;
  private readonly generateKeyPair: (comment: string) => TunnelKeyPair;
  private readonly retry: RetryPolicy;

  constructor({ objects, now = () => new Date(), generateKeyPair = generateTunnelKeyPair, retry = DEFAULT_RETRY }: ObjectStoreProfileStoreOptions) {
    this.objects = objects;
    this.now = now;
    this.generateKeyPair = generateKeyPair;
    this.retry = retry;
  }

  /** Where the profile lives, for messages, e.g. `s3://bucket/prefix`. */
  get location(): string {
    return this.objects.location;
  }

  /** The URL that reaches it (with region and endpoint): what links keep and suggestions show. */
  get url(): string {
    return this.objects.url;
  }

  async list(): Promise<ProfileListEntry[]> {
    try {
      const found = await this.read();
      if (!found) return [];
      const { doc } = found;
      return [{ name: doc.name, current: true, driver: doc.driver, ...(doc.tunnelUrl === undefined ? {} : { tunnelUrl: doc.tunnelUrl }) }];
    } catch (err) {
      if (err instanceof PreevyError && err.code === 'PROFILE_DATA_CORRUPT') return [{ name: this.location, current: true, problem: err.message }];
      throw err;
    }
  }

  /** The name of the profile at this location: the one it was created under, the same on every machine. */
  async currentName(): Promise<string | undefined> {
    return (await this.read())?.doc.name;
  }

  async use(name: string): Promise<Profile> {
    return this.get(name);
  }

  async get(name: string): Promise<Profile> {
    return this.profileOf((await this.require(name)).doc);
  }

  async resolve(name?: string): Promise<Profile> {
    return this.profileOf((await this.require(name)).doc);
  }

  /** A remote profile is only ever created explicitly: this returns the one there is. */
  async ensureDefaultProfile(): Promise<Profile> {
    return this.resolve();
  }

  async create(input: CreateProfileInput): Promise<Profile> {
    // Everything is checked before the first write: bad input changes nothing.
    validateProfileName(input.name);
    const config = newProfileConfig(input, this.now());
    if (await this.read()) throw this.alreadyExists();
    const keys = this.generateKeyPair(`preevy-${input.name}`);
    const doc = this.docOf(input.name, config, keys);
    await this.writeKey(doc.privateKeyObject, keys.privateKey);
    if ((await this.objects.putIfAbsent(PROFILE_OBJECT, toJsonText(doc))) === undefined) {
      // Another command created a profile here first: keep its key, drop ours.
      await this.objects.delete(doc.privateKeyObject);
      throw this.alreadyExists();
    }
    return this.profileOf(doc);
  }

  async update(name: string, update: ProfileUpdate): Promise<Profile> {
    const checked = checkedProfileUpdate(update);
    const doc = await this.change(name, (current) => withConfig(current, updatedProfileConfig(configOf(current), checked, this.now())));
    return this.profileOf(doc);
  }

  async pinTunnelHostKey(name: string, seen: { tunnelUrl: string; hostKey: string; forProject?: boolean }): Promise<PinTunnelHostKeyResult> {
    let pinned = false;
    const doc = await this.change(name, (current) => {
      const next = pinnedProfileConfig(name, configOf(current), seen, this.now());
      pinned = next !== undefined;
      return next && withConfig(current, next);
    });
    return { profile: this.profileOf(doc), pinned };
  }

  async remove(name: string, { force = false }: { force?: boolean } = {}): Promise<RemoveProfileResult> {
    await this.require(name);
    const envs = this.envs(name);
    const envIds = await envs.ids();
    if (!force) {
      const live = (await envs.list()).filter((e) => e.status !== 'deleted').map((e) => e.envId);
      if (live.length) {
        throw new PreevyError(`Profile "${name}" at ${this.location} has environments that may still be running: ${live.join(', ')}.`, {
          code: 'PROFILE_HAS_ENVIRONMENTS',
          kind: 'conflict',
          suggestions: [
            ...live.map((id) => `Remove it with \`preevy down --profile ${this.url} --id ${id}\`.`),
            'Or pass --force to remove the profile anyway (their resources keep running, and this key can no longer reach their tunnels).',
          ],
        });
      }
    }
    // profile.json first: the profile disappears at once, even if removing the rest is interrupted.
    await this.objects.delete(PROFILE_OBJECT);
    for (const key of await this.objects.list('')) {
      if (key.startsWith(KEYS_PREFIX) || envIds.some((id) => key === `envs/${id}.json`)) await this.objects.delete(key);
    }
    return { name, wasCurrent: false, envIds };
  }

  async readPrivateKey(name: string): Promise<string> {
    const { doc } = await this.require(name);
    const where = `${this.location}/${doc.privateKeyObject}`;
    const object = await this.objects.get(doc.privateKeyObject);
    if (!object) throw profileDataCorrupt(where, 'the object is missing', this.repair());
    const key = publicBlobOf(object.body, where, this.repair());
    if (!parseEd25519PublicKeyLine(doc.publicKey).equals(key)) throw profileDataCorrupt(where, 'it is not the key of the public key in profile.json', this.repair());
    return object.body;
  }

  envs(profile: string): ObjectStoreEnvRecordStore {
    return new ObjectStoreEnvRecordStore({ objects: this.objects, checkProfile: () => this.require(profile), now: this.now, retry: this.retry });
  }

  async exportProfile(name: string, { includeEnvs = false }: { includeEnvs?: boolean } = {}): Promise<ProfileExport> {
    const { doc } = await this.require(name);
    const privateKey = await this.readPrivateKey(name);
    const { version: _version, ...settings } = configOf(doc);
    return {
      formatVersion: 1,
      profile: { name: doc.name, ...settings },
      privateKey,
      publicKey: doc.publicKey,
      ...(includeEnvs ? { envs: await this.envs(name).list() } : {}),
    };
  }

  async importProfile(file: ProfileExport, { name: rename, force = false }: ImportProfileOptions = {}): Promise<Profile> {
    const valid = validateProfileExport(file, 'The profile file');
    const name = validateProfileName(rename ?? valid.profile.name);
    const { name: _exportedName, ...settings } = valid.profile;
    const config = validProfileConfig({ version: 1, ...settings });
    const blob = parseEd25519PublicKeyLine(valid.publicKey);
    const doc = this.docOf(name, config, { publicKey: valid.publicKey.trim(), clientId: clientIdFromKey(blob) });
    const existing = await this.read();
    if (existing && !force) throw this.alreadyExists(true);
    await this.writeKey(doc.privateKeyObject, valid.privateKey);
    const replaced = await retryOnConflict(
      `${this.location}/${PROFILE_OBJECT}`,
      async () => {
        const current = await this.read();
        if (current && !force) return { lost: true as const };
        const etag = current ? await this.objects.putIfMatch(PROFILE_OBJECT, toJsonText(doc), current.etag) : await this.objects.putIfAbsent(PROFILE_OBJECT, toJsonText(doc));
        return etag === undefined ? CONFLICT : { lost: false as const, previous: current?.doc };
      },
      this.retry,
    );
    if (replaced.lost) {
      if (existing?.doc.privateKeyObject !== doc.privateKeyObject) await this.objects.delete(doc.privateKeyObject);
      throw this.alreadyExists(true);
    }
    if (replaced.previous && replaced.previous.privateKeyObject !== doc.privateKeyObject) await this.objects.delete(replaced.previous.privateKeyObject);
    // Records in the file replace those of the same environments; the others stay (they may still run).
    const envs = this.envs(name);
    for (const record of valid.envs ?? []) await envs.replace(record);
    return this.profileOf(doc);
  }

  private async read(): Promise<Versioned | undefined> {
    const object = await this.objects.get(PROFILE_OBJECT);
    return object && { doc: this.parse(object), etag: object.etag };
  }

  /** The profile, which must be here and, when `name` is given, carry that name. */
  private async require(name?: string): Promise<Versioned> {
    const found = await this.read();
    if (!found) throw remoteNotFound(this.location, this.url);
    if (name !== undefined && found.doc.name !== name) {
      throw new PreevyError(`The profile at ${this.location} is "${found.doc.name}", not "${name}".`, {
        code: 'PROFILE_NOT_FOUND',
        kind: 'not-found',
        suggestions: [`Refer to it as "${found.doc.name}", or by its URL.`],
      });
    }
    return found;
  }

  /** A read-modify-write of profile.json that loses to no concurrent writer: `fn` returns undefined for "nothing to change". */
  private async change(name: string, fn: (doc: RemoteProfile) => RemoteProfile | undefined): Promise<RemoteProfile> {
    return retryOnConflict(
      `${this.location}/${PROFILE_OBJECT}`,
      async () => {
        const { doc, etag } = await this.require(name);
        const next = fn(doc);
        if (!next) return doc;
        const written = await this.objects.putIfMatch(PROFILE_OBJECT, toJsonText(remoteProfileSchema.parse(next)), etag);
        return written === undefined ? CONFLICT : next;
      },
      this.retry,
    );
  }

  private async writeKey(key: string, privateKey: string): Promise<void> {
    // The key object's name derives from the key itself: an existing one holds this very key.
    await this.objects.putIfAbsent(key, privateKey, { secret: true });
  }

  private parse(object: StoredObject): RemoteProfile {
    const where = `${this.location}/${PROFILE_OBJECT}`;
    let value: unknown;
    try {
      value = JSON.parse(object.body);
    } catch {
      throw notAProfile(where, 'it is not JSON');
    }
    if ((value as { kind?: unknown } | null)?.kind !== KIND) throw notAProfile(where, `it has no "kind": "${KIND}"`);
    const parsed = remoteProfileSchema.safeParse(value);
    if (!parsed.success) throw profileDataCorrupt(where, zodProblems(parsed.error).join('; '), this.repair());
    return parsed.data;
  }

  private docOf(name: string, config: ProfileConfig, keys: Pick<TunnelKeyPair, 'publicKey' | 'clientId'>): RemoteProfile {
    return { ...config, kind: KIND, name, publicKey: keys.publicKey, privateKeyObject: keyObjectOf(keys.clientId) };
  }

  private profileOf(doc: RemoteProfile): Profile {
    const blob = parseEd25519PublicKeyLine(doc.publicKey, `The public key in ${this.location}/${PROFILE_OBJECT}`);
    return {
      name: doc.name,
      driver: doc.driver,
      driverOptions: doc.driverOptions,
      ...(doc.tunnelUrl === undefined ? {} : { tunnelUrl: doc.tunnelUrl }),
      ...(doc.tunnelHostKey === undefined ? {} : { tunnelHostKey: doc.tunnelHostKey }),
      ...(doc.projectTunnelHostKeys === undefined ? {} : { projectTunnelHostKeys: doc.projectTunnelHostKeys }),
      publicKey: doc.publicKey,
      clientId: clientIdFromKey(blob),
      createdAt: doc.createdAt,
      updatedAt: doc.updatedAt,
    };
  }

  private alreadyExists(importing = false): PreevyError {
    return new PreevyError(`A profile already exists at ${this.location}.`, {
      code: 'PROFILE_EXISTS',
      kind: 'conflict',
      suggestions: importing
        ? [`Replace it with --force, or import into another prefix.`]
        : [`Use it with \`preevy profile link ${this.url}\`, or pick another prefix.`],
    });
  }

  private repair(): string[] {
    return [`Restore the profile from an export with \`preevy profile import FILE --store ${this.url} --force\`, or remove it with \`preevy profile rm ${this.url} --force\`.`];
  }
}

const notAProfile = (where: string, detail: string): PreevyError =>
  new PreevyError(`${where} is not a preevy profile: ${detail}.`, {
    code: 'PROFILE_STORE_NOT_PROFILE',
    kind: 'invalid-input',
    suggestions: ['Check the bucket and prefix of the URL: preevy keeps a profile as profile.json, keys/ and envs/ under its own prefix.'],
  });

const publicBlobOf = (privateKey: string, where: string, repair: readonly string[]): Buffer => {
  try {
    return parseEd25519PublicKeyLine(tunnelKeyPairFromPrivate(privateKey, '', where).publicKey);
  } catch (err) {
    if (err instanceof PreevyError) throw profileDataCorrupt(where, err.message, repair);
    throw err;
  }
};
