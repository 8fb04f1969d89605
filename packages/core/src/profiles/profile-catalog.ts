import { join } from 'node:path';
import { PreevyError } from '../errors/index.js';
import { preevyHome } from '../paths.js';
import { CurrentProfilePointer } from './current-profile-pointer.js';
import { LocalProfileStore } from './local-profile-store.js';
import type { ObjectStore, RetryPolicy } from './object-store.js';
import { ObjectStoreProfileStore } from './object-store-profile-store.js';
import type { ProfileExport } from './profile-export.js';
import { ProfileLinks } from './profile-links.js';
import { validateProfileName } from './profile-name.js';
import type { CreateProfileInput, ImportProfileOptions, Profile, ProfileListEntry, ProfileStore, RemoveProfileResult } from './profile-store.js';
import { isProfileStoreUrl, parseProfileStoreUrl, type S3ProfileLocation } from './profile-store-url.js';

/** Opens the objects of a remote profile (the S3 adapter lives outside core, with its SDK). */
export type OpenObjectStore = (location: S3ProfileLocation) => Promise<ObjectStore>;

/** Where the catalog looks and how it reaches remote stores. */
export interface ProfileCatalogOptions {
  openObjects: OpenObjectStore;
  env?: NodeJS.ProcessEnv;
  /** Default: `<preevy home>/profiles`. */
  root?: string;
  local?: LocalProfileStore;
  retry?: RetryPolicy;
}

/** A profile and the store that holds it: commands pass both to core. */
export interface OpenedProfile {
  store: ProfileStore;
  profile: Profile;
  /** Set for a remote profile: its URL (with region and endpoint). */
  location?: string;
}

/** What `profile rm` did: a link is forgotten, its remote profile stays. */
export type CatalogRemoveResult = (RemoveProfileResult & { unlinked?: false }) | { name: string; unlinked: true; location: string; wasCurrent: boolean };

const nameTaken = (name: string, where: string): PreevyError =>
  new PreevyError(`Profile "${name}" already exists (${where}).`, {
    code: 'PROFILE_EXISTS',
    kind: 'conflict',
    suggestions: ['Pick another name with --name, or remove the other one first with `preevy profile rm NAME`.'],
  });

/**
 * Every profile this machine can name: local directories, links to remote profiles, and remote
 * profiles named by URL. `--profile` accepts any of the three; the current-profile pointer may
 * name a local profile or a link.
 */
export class ProfileCatalog {
  readonly local: LocalProfileStore;
  private readonly links: ProfileLinks;
  private readonly pointer: CurrentProfilePointer;
  private readonly openObjects: OpenObjectStore;
  private readonly retry: RetryPolicy | undefined;

  constructor({ openObjects, env = process.env, root = join(preevyHome(env), 'profiles'), local = new LocalProfileStore({ env, root }), retry }: ProfileCatalogOptions) {
    this.local = local;
    this.links = new ProfileLinks({ root });
    this.pointer = new CurrentProfilePointer({ root });
    this.openObjects = openObjects;
    this.retry = retry;
  }

  /** The store at a profile store URL (nothing is read yet). */
  async remote(url: string): Promise<ObjectStoreProfileStore> {
    const location = parseProfileStoreUrl(url);
    return new ObjectStoreProfileStore({ objects: await this.openObjects(location), ...(this.retry ? { retry: this.retry } : {}) });
  }

  /** The store `nameOrUrl` designates (the current profile's when undefined), and the link's URL if it is remote. */
  async storeFor(nameOrUrl?: string): Promise<{ store: ProfileStore; location?: string }> {
    const url = await this.urlOf(nameOrUrl);
    if (url === undefined) return { store: this.local };
    const store = await this.remote(url);
    return { store, location: store.url };
  }

  /** `--profile`: a URL, a link, a local profile; else the current one, else a new local `default`. */
  async resolve(nameOrUrl?: string): Promise<OpenedProfile> {
    const url = await this.urlOf(nameOrUrl);
    if (url === undefined) return { store: this.local, profile: await this.local.resolve(nameOrUrl) };
    const store = await this.remote(url);
    return { store, profile: await store.resolve(), location: store.url };
  }

  /** Local profiles and links (each link read from its store; an unreachable one lists with its problem). */
  async list(): Promise<ProfileListEntry[]> {
    const current = await this.pointer.read().catch(() => undefined);
    const linked = await Promise.all(
      (await this.links.list()).map(async ({ name, url }): Promise<ProfileListEntry> => {
        const base = { name, current: name === current, store: url };
        try {
          const [entry] = await (await this.remote(url)).list();
          if (!entry) return { ...base, problem: `no profile at ${url}` };
          return { ...base, ...(entry.driver ? { driver: entry.driver } : {}), ...(entry.tunnelUrl ? { tunnelUrl: entry.tunnelUrl } : {}), ...(entry.problem ? { problem: entry.problem } : {}) };
        } catch (err) {
          if (err instanceof PreevyError) return { ...base, problem: err.message };
          throw err;
        }
      }),
    );
    return [...(await this.local.list()), ...linked].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates a local profile, or with `storeUrl` a remote one linked here under the same name. */
  async create(input: CreateProfileInput, storeUrl?: string): Promise<OpenedProfile> {
    validateProfileName(input.name);
    if (storeUrl === undefined) {
      if ((await this.links.read(input.name)) !== undefined) throw nameTaken(input.name, 'a link to a remote profile');
      return { store: this.local, profile: await this.local.create(input) };
    }
    const store = await this.remote(storeUrl);
    await this.checkFreeForLink(input.name, store.url);
    const profile = await store.create({ ...input, use: false });
    await this.link(store.url, { name: input.name, use: input.use ?? false });
    return { store, profile, location: store.url };
  }

  /** Remembers the remote profile at `url` under `name` (default: the name it was created under). */
  async link(url: string, { name, use = false }: { name?: string; use?: boolean } = {}): Promise<OpenedProfile & { name: string }> {
    const store = await this.remote(url);
    const profile = await store.resolve();
    const linkName = validateProfileName(name ?? profile.name);
    await this.checkFreeForLink(linkName, store.url);
    await this.links.add(linkName, store.url, { replace: true });
    await this.pointer.set(linkName, { onlyIfNone: !use });
    return { store, profile, location: store.url, name: linkName };
  }

  /** Makes a local profile or a link the current one. */
  async use(name: string): Promise<OpenedProfile> {
    const url = await this.links.read(name);
    if (url === undefined) return { store: this.local, profile: await this.local.use(name) };
    const store = await this.remote(url);
    const profile = await store.resolve();
    await this.pointer.set(name, { onlyIfNone: false });
    return { store, profile, location: store.url };
  }

  /** Whether `name` (a local profile or a link) is the current profile. */
  async isCurrent(name: string | undefined): Promise<boolean> {
    return name !== undefined && (await this.pointer.read().catch(() => undefined)) === name;
  }

  /** A link is only forgotten (the remote profile stays); a URL removes the remote profile; a name, the local one. */
  async remove(nameOrUrl: string, { force = false }: { force?: boolean } = {}): Promise<CatalogRemoveResult> {
    if (isProfileStoreUrl(nameOrUrl)) {
      const store = await this.remote(nameOrUrl);
      return store.remove((await store.resolve()).name, { force });
    }
    const url = await this.links.read(nameOrUrl);
    if (url === undefined) return this.local.remove(nameOrUrl, { force });
    const wasCurrent = await this.isCurrent(nameOrUrl);
    await this.links.remove(nameOrUrl);
    if (wasCurrent) await this.pointer.clear(nameOrUrl);
    return { name: nameOrUrl, unlinked: true, location: url, wasCurrent };
  }

  /** Imports locally, or with `storeUrl` into that remote location (linked here under its name). */
  async importProfile(doc: ProfileExport, options: ImportProfileOptions & { storeUrl?: string }): Promise<OpenedProfile> {
    const { storeUrl, ...rest } = options;
    const name = validateProfileName(rest.name ?? doc.profile.name);
    if (storeUrl === undefined) {
      if ((await this.links.read(name)) !== undefined) throw nameTaken(name, 'a link to a remote profile');
      return { store: this.local, profile: await this.local.importProfile(doc, rest) };
    }
    const store = await this.remote(storeUrl);
    await this.checkFreeForLink(name, store.url);
    const profile = await store.importProfile(doc, { ...rest, name });
    await this.link(store.url, { name, use: rest.use ?? false });
    return { store, profile, location: store.url };
  }

  private async urlOf(nameOrUrl: string | undefined): Promise<string | undefined> {
    if (nameOrUrl !== undefined && isProfileStoreUrl(nameOrUrl)) return nameOrUrl;
    const name = nameOrUrl ?? (await this.pointer.read());
    return name === undefined ? undefined : this.links.read(name);
  }

  private async checkFreeForLink(name: string, location: string): Promise<void> {
    const local = await this.local.list();
    if (local.some((p) => p.name === name)) throw nameTaken(name, 'a local profile');
    const linked = await this.links.read(name).catch(() => undefined);
    if (linked !== undefined && linked !== location) throw nameTaken(name, `linked to ${linked}`);
  }
}
