import type { KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TunnelAccess } from '@preevy/tunnel-protocol';

/** The SSH connection that holds tunnels: how the front reaches it, and how to check it lives. */
export interface TunnelOwner {
  readonly id: number;
  readonly clientId: string;
  readonly fingerprint: string;
  readonly envId: string;
  /** Signature-verifying key for share tokens (Ed25519 clients only). */
  readonly publicKey: KeyObject | undefined;
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
  activeConnections: number;
}

export type RegisterResult = { ok: true; tunnel: Tunnel; replaced: boolean } | { ok: false; reason: string };

/** Every live tunnel, by hostname label. One per label; labels embed the client id. */
export class TunnelRegistry {
  private readonly byLabel = new Map<string, Tunnel>();

  get size(): number {
    return this.byLabel.size;
  }

  get(label: string): Tunnel | undefined {
    return this.byLabel.get(label);
  }

  /** Tunnels of one environment of one client, for the index page. */
  ofEnv(clientId: string, envId: string): Tunnel[] {
    return [...this.byLabel.values()].filter((t) => t.clientId === clientId && t.envId === envId).sort((a, b) => a.label.localeCompare(b.label));
  }

  all(): Tunnel[] {
    return [...this.byLabel.values()];
  }

  ofOwner(owner: TunnelOwner): Tunnel[] {
    return [...this.byLabel.values()].filter((t) => t.owner === owner);
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
    const raced = this.byLabel.get(tunnel.label);
    if (raced && raced.owner !== tunnel.owner && raced !== current) return { ok: false, reason: `hostname ${tunnel.label} was just claimed by another connection` };
    const entry: Tunnel = { ...tunnel, activeConnections: 0 };
    this.byLabel.set(tunnel.label, entry);
    return { ok: true, tunnel: entry, replaced: current !== undefined };
  }

  /** Removes one tunnel if `owner` holds it. */
  unregister(label: string, owner: TunnelOwner): boolean {
    const t = this.byLabel.get(label);
    if (!t || t.owner !== owner) return false;
    this.byLabel.delete(label);
    return true;
  }

  /** Removes every tunnel of a connection (on close), returning them. */
  removeOwner(owner: TunnelOwner): Tunnel[] {
    const removed = this.ofOwner(owner);
    for (const t of removed) this.byLabel.delete(t.label);
    return removed;
  }
}
