import type { EnvRecordStore } from './env-record-store.js';
import type { DriverOptions } from './profile-schema.js';
import type { ProfileExport } from './profile-export.js';

/** A profile as commands see it: settings and the public half of its tunnel key (never the private key). */
export interface Profile {
  name: string;
  driver: string;
  driverOptions: DriverOptions;
  /** Absent: the embedded local tunnel server. */
  tunnelUrl?: string;
  /** The tunnel server's pinned host key (key line or `SHA256:` fingerprint); absent: pinned at the next first contact. */
  tunnelHostKey?: string;
  /** Pins of tunnel servers named by projects (`x-preevy.tunnelServer`), by URL; each pinned at its first contact. */
  projectTunnelHostKeys?: Readonly<Record<string, string>>;
  /** `ssh-ed25519 AAAA...`: what the tunnel server knows the profile by. */
  publicKey: string;
  /** Derived from the public key; namespaces the profile's hostnames on the tunnel server. */
  clientId: string;
  createdAt: string;
  updatedAt: string;
}

/** One line of `profile ls`; `problem` says why a profile could not be read (the others still list). */
export interface ProfileListEntry {
  name: string;
  current: boolean;
  driver?: string;
  tunnelUrl?: string;
  /** A linked remote profile: where it lives, e.g. `s3://bucket/prefix`. */
  store?: string;
  problem?: string;
}

/** What `create` needs; everything but the name has a default. */
export interface CreateProfileInput {
  name: string;
  /** Default: `docker`. */
  driver?: string;
  driverOptions?: DriverOptions;
  tunnelUrl?: string;
  /** Pins the server's host key up front (needs `tunnelUrl`), instead of trusting it on first use. */
  tunnelHostKey?: string;
  /** Make it the current profile (it always becomes current when there is none). */
  use?: boolean;
}

/** A change of settings; absent fields stay as they are. */
export interface ProfileUpdate {
  /** A new driver drops the previous driver's options, which mean nothing to it. */
  driver?: string;
  /** Merged into the existing options. */
  driverOptions?: DriverOptions;
  unsetDriverOptions?: readonly string[];
  /** `null` removes it (back to the embedded local tunnel server). A new URL drops the pin unless `tunnelHostKey` is given too. */
  tunnelUrl?: string | null;
  /** `null` removes the pin: the next contact pins whatever key the server shows. */
  tunnelHostKey?: string | null;
}

/** What `pinTunnelHostKey` found: the key was pinned just now, or was already the pinned one. */
export interface PinTunnelHostKeyResult {
  profile: Profile;
  pinned: boolean;
}

/** What `remove` did. */
export interface RemoveProfileResult {
  name: string;
  wasCurrent: boolean;
  /** Environment records removed with it (only ever non-empty with `force`). */
  envIds: string[];
}

/** How `importProfile` names and places the profile. */
export interface ImportProfileOptions {
  /** Default: the name in the file. */
  name?: string;
  use?: boolean;
  /** Replace an existing profile of that name. */
  force?: boolean;
}

/** Where profiles, their tunnel keys and (through `envs`) their environment records live. */
export interface ProfileStore {
  list(): Promise<ProfileListEntry[]>;
  /** The current profile's name, if one is set. */
  currentName(): Promise<string | undefined>;
  use(name: string): Promise<Profile>;
  get(name: string): Promise<Profile>;
  /** `name` if given, else the current profile, else the `default` profile (created on first use). */
  resolve(name?: string): Promise<Profile>;
  /** Creates `default` (docker driver, local tunnel server) if missing, so `preevy up` needs no setup. */
  ensureDefaultProfile(): Promise<Profile>;
  create(input: CreateProfileInput): Promise<Profile>;
  update(name: string, update: ProfileUpdate): Promise<Profile>;
  /**
   * Trust on first use, under the profile's lock: pins `hostKey` (the key line a server presented
   * at `tunnelUrl`) when nothing is pinned, accepts it when it is the pinned one, and throws
   * TUNNEL_HOST_KEY_CHANGED (changing nothing) when another key is pinned.
   */
  /** `forProject`: the URL came from a project's `x-preevy.tunnelServer`, not from the profile. */
  pinTunnelHostKey(name: string, seen: { tunnelUrl: string; hostKey: string; forProject?: boolean }): Promise<PinTunnelHostKeyResult>;
  /** Refuses the current profile and one with live environments unless `force`. */
  remove(name: string, options?: { force?: boolean }): Promise<RemoveProfileResult>;
  /** The OpenSSH private key text: for the agent, never for logs. */
  readPrivateKey(name: string): Promise<string>;

  /** The environment records of `profile`; their writes exclude the profile's own changes (removal, import). */
  envs(profile: string): EnvRecordStore;

  exportProfile(name: string, options?: { includeEnvs?: boolean }): Promise<ProfileExport>;
  /** Validates the whole document before writing anything. */
  importProfile(doc: ProfileExport, options?: ImportProfileOptions): Promise<Profile>;
}
