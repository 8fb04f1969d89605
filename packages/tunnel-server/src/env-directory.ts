import type { EnvMetadata } from '@preevy/tunnel-protocol';

/** What an environment told the server about itself, and when. */
export interface KnownMetadata {
  envId: string;
  clientId: string;
  metadata: EnvMetadata;
  receivedAt: number;
}

/** An environment whose last connection went: its index page says it was removed, and when. */
export interface ClosedEnvironment {
  envId: string;
  closedAt: number;
  metadata: EnvMetadata | undefined;
}

export interface EnvDirectoryOptions {
  /** Closed environments remembered at once; the oldest is forgotten first. */
  maxClosed: number;
  /** How long a closed environment is remembered. */
  closedTtlMs: number;
}

interface Connection {
  envId: string;
  clientId: string;
  /** Set once it held a tunnel or sent metadata: a bare `hello` check is no environment. */
  published: boolean;
  metadata: KnownMetadata | undefined;
}

/**
 * The environments behind index pages, by index label (`{envId}-{clientId}`): the metadata of
 * each live connection, and a bounded, expiring memory of environments whose last connection
 * closed, so a reviewer's link says "removed" instead of an unknown host's 404.
 */
export class EnvDirectory {
  private readonly live = new Map<string, Map<number, Connection>>();
  // A Map keeps insertion order: re-inserting on close makes the first key the oldest.
  private readonly closed = new Map<string, ClosedEnvironment>();

  constructor(private readonly options: EnvDirectoryOptions) {}

  /** A connection authenticated for `indexLabel`: the environment is back, if it had gone. */
  connected(indexLabel: string, connectionId: number, { envId, clientId }: { envId: string; clientId: string }): void {
    let conns = this.live.get(indexLabel);
    if (!conns) this.live.set(indexLabel, (conns = new Map<number, Connection>()));
    conns.set(connectionId, { envId, clientId, published: false, metadata: undefined });
  }

  /** The connection registered a tunnel. */
  published(indexLabel: string, connectionId: number): void {
    const conn = this.live.get(indexLabel)?.get(connectionId);
    if (!conn) return;
    conn.published = true;
    this.closed.delete(indexLabel);
  }

  setMetadata(indexLabel: string, connectionId: number, metadata: EnvMetadata, now: number): void {
    const conn = this.live.get(indexLabel)?.get(connectionId);
    if (!conn) return;
    conn.published = true;
    conn.metadata = { envId: conn.envId, clientId: conn.clientId, metadata, receivedAt: now };
    this.closed.delete(indexLabel);
  }

  /** The latest metadata any live connection of the environment sent; undefined when none did. */
  metadataOf(indexLabel: string): KnownMetadata | undefined {
    let latest: KnownMetadata | undefined;
    for (const c of this.live.get(indexLabel)?.values() ?? []) if (c.metadata && (!latest || c.metadata.receivedAt >= latest.receivedAt)) latest = c.metadata;
    return latest;
  }

  /** The connection closed; when it was the environment's last one and it had published, remember the environment as closed. */
  disconnected(indexLabel: string, connectionId: number, now: number): void {
    const conns = this.live.get(indexLabel);
    const conn = conns?.get(connectionId);
    if (!conns || !conn) return;
    conns.delete(connectionId);
    if (conns.size > 0) {
      // Another connection lives on (a replacement agent): keep what this one said if it said nothing.
      const other = [...conns.values()].find((c) => !c.metadata);
      if (other && conn.metadata) other.metadata = conn.metadata;
      return;
    }
    this.live.delete(indexLabel);
    if (!conn.published) return;
    this.prune(now);
    this.closed.delete(indexLabel);
    this.closed.set(indexLabel, { envId: conn.envId, closedAt: now, metadata: conn.metadata?.metadata });
    while (this.closed.size > this.options.maxClosed) this.closed.delete(this.closed.keys().next().value!);
  }

  /** The environment, if it closed within the memory's time. */
  closedEnvironment(indexLabel: string, now: number): ClosedEnvironment | undefined {
    this.prune(now);
    return this.live.has(indexLabel) ? undefined : this.closed.get(indexLabel);
  }

  get closedCount(): number {
    return this.closed.size;
  }

  /** Entries are in closing order, so expired ones are at the front. */
  private prune(now: number): void {
    for (const [label, env] of this.closed) {
      if (now - env.closedAt < this.options.closedTtlMs) break;
      this.closed.delete(label);
    }
  }
}
