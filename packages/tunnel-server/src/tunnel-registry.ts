import type { KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { envIndexLabel, type TunnelAccess } from '@preevy/tunnel-protocol';

/** The SSH connection that holds tunnels: how the front reaches it, and how to check it lives. */
export interface TunnelOwner {
  readonly id: number;
  readonly clientId: string;
  readonly fingerprint: string;
  readonly envId: string;
  /** Signature-verifying key for share tokens (Ed25519 clients only). */
  readonly publicKey: KeyObject | undefined;
  /** True once the connection has gone: it must never be handed a name again. */
  readonly closed: boolean;
  /** Opens one channel to the agent for a visitor connection. */
  openChannel(tunnel: Tunnel, remote: { address: string; port: number }): Promise<Duplex>;
  /** Resolves false when the connection does not answer within the timeout. */
  isAlive(): Promise<boolean>;
  /** Drops the connection (its tunnels are removed by the caller). */
  evict(reason: string): void;
}

export interface Tunnel {
  label: string;
  name: string;
  envId: string;
  clientId: string;
  access: TunnelAccess;
  service: string | undefined;
  port: number | undefined;
  /** The forward request string and port exactly as the client sent them (needed to open channels). */
  request: string;
  bindPort: number;
  owner: TunnelOwner;
  /** Visitor connections open or waiting for a channel; see `reserveConnection`. */
  activeConnections: number;
}

export type RegisterResult = { ok: true; tunnel: Tunnel; replaced: boolean } | { ok: false; reason: string };

const addTo = <K, V>(index: Map<K, Set<V>>, key: K, value: V): void => {
  const set = index.get(key);
  if (set) set.add(value);
  else index.set(key, new Set([value]));
};

const removeFrom = <K, V>(index: Map<K, Set<V>>, key: K, value: V): void => {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
};

/**
 * Every live tunnel, by hostname label, with indexes by owner, by environment index label and by
 * key, so that routing, index pages and limits cost the same with ten tunnels or ten thousand.
 */
export class TunnelRegistry {
  private readonly byLabel = new Map<string, Tunnel>();
  private readonly byOwner = new Map<TunnelOwner, Set<Tunnel>>();
  private readonly byEnvIndex = new Map<string, Set<Tunnel>>();
  private readonly byKey = new Map<string, Set<Tunnel>>();

  get size(): number {
    return this.byLabel.size;
  }

  get(label: string): Tunnel | undefined {
    return this.byLabel.get(label);
  }

  /** Tunnels listed on the index page `{envId}-{clientId}`, sorted by label. */
  ofEnvIndex(indexLabel: string): Tunnel[] {
    return [...(this.byEnvIndex.get(indexLabel) ?? [])].sort((a, b) => a.label.localeCompare(b.label));
  }

  ofOwner(owner: TunnelOwner): Tunnel[] {
    return [...(this.byOwner.get(owner) ?? [])];
  }

  countOfOwner(owner: TunnelOwner): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }

  /** Tunnels held by every connection of one key. */
  countOfKey(fingerprint: string): number {
    return this.byKey.get(fingerprint)?.size ?? 0;
  }

  /**
   * Claims `tunnel.label`. A label held by another key is refused outright. One held by the same
   * key over another connection is taken over only if that connection is dead (a reconnecting
   * agent), so two live agents never steal from each other and a stale name never sticks.
   */
  async register(tunnel: Omit<Tunnel, 'activeConnections'>): Promise<RegisterResult> {
    const current = this.byLabel.get(tunnel.label);
    if (current && current.owner !== tunnel.owner) {
      if (current.owner.fingerprint !== tunnel.owner.fingerprint) {
        return { ok: false, reason: `hostname ${tunnel.label} belongs to another client key` };
      }
      if (await current.owner.isAlive()) {
        return { ok: false, reason: `hostname ${tunnel.label} is held by another live connection of this client; stop the other agent first` };
      }
      current.owner.evict(`its hostname ${tunnel.label} was taken over by a new connection of the same client`);
      this.removeOwner(current.owner);
    }
    // The liveness check takes time: the claimant may have gone meanwhile, or someone else won.
    if (tunnel.owner.closed) return { ok: false, reason: 'the connection closed while its request waited' };
    const raced = this.byLabel.get(tunnel.label);
    if (raced && raced.owner !== tunnel.owner && raced !== current) return { ok: false, reason: `hostname ${tunnel.label} was just claimed by another connection` };
    if (raced) this.remove(raced);
    const entry: Tunnel = { ...tunnel, activeConnections: 0 };
    this.byLabel.set(entry.label, entry);
    addTo(this.byOwner, entry.owner, entry);
    addTo(this.byEnvIndex, envIndexLabel(entry), entry);
    addTo(this.byKey, entry.owner.fingerprint, entry);
    return { ok: true, tunnel: entry, replaced: current !== undefined };
  }

  /** Removes one tunnel if `owner` holds it. */
  unregister(label: string, owner: TunnelOwner): boolean {
    const t = this.byLabel.get(label);
    if (!t || t.owner !== owner) return false;
    this.remove(t);
    return true;
  }

  /** Removes every tunnel of a connection (on close), returning them. */
  removeOwner(owner: TunnelOwner): Tunnel[] {
    const removed = this.ofOwner(owner);
    for (const t of removed) this.remove(t);
    return removed;
  }

  private remove(t: Tunnel): void {
    this.byLabel.delete(t.label);
    removeFrom(this.byOwner, t.owner, t);
    removeFrom(this.byEnvIndex, envIndexLabel(t), t);
    removeFrom(this.byKey, t.owner.fingerprint, t);
  }
}
