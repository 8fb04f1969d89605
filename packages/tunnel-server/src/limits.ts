/**
 * Resource limits; every one has a safe default and can be overridden. Each holds on every path
 * (public raw relay, private HTTP, WebSocket upgrades) and is exported as `preevy_tunnel_limit`.
 */
export interface Limits {
  /** Tunnels one SSH connection may hold. */
  tunnelsPerConnection: number;
  /** Tunnels all connections of one key may hold together (a profile's environments share its key). */
  tunnelsPerKey: number;
  /** Authenticated SSH connections one key may hold at once. */
  connectionsPerKey: number;
  /** SSH connections that have not authenticated yet, overall and from one source address. */
  unauthenticatedConnections: number;
  unauthenticatedPerAddress: number;
  /** Refused forward requests after which a connection is dropped (a client that floods them). */
  refusedForwardsPerConnection: number;
  /** Visitor connections to one tunnel, counting those still waiting for the agent's channel. */
  connectionsPerTunnel: number;
  /** Visitor connections to the whole HTTP(S) front. */
  maxVisitorConnections: number;
  /** How long the agent has to confirm a channel for a visitor (then 504). */
  channelOpenTimeoutMs: number;
  /** Bytes queued toward one agent's SSH socket above which visitors feeding it are paused. */
  agentWriteBufferBytes: number;
  maxHeaderBytes: number;
  /** Time a visitor has to send a complete request head (slowloris). */
  headerTimeoutMs: number;
  /** Time a visitor has to send a whole request body, once its head is in. */
  requestTimeoutMs: number;
  /** A visitor connection with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /** Time an SSH client has to complete the handshake and authenticate. */
  sshHandshakeTimeoutMs: number;
  sshKeepaliveIntervalMs: number;
  sshKeepaliveCountMax: number;
  /** How long a connection we ended may take to close before it is destroyed (a peer that stopped reading never does). */
  sshCloseGraceMs: number;
  /** How long the previous holder of a hostname has to prove it is alive before a takeover. */
  aliveCheckTimeoutMs: number;
  /** Longest share-token lifetime accepted. */
  maxTokenLifetimeSeconds: number;
  /** How far ahead of this server's clock a token's issue time may be. */
  tokenClockSkewSeconds: number;
  /** Environments whose last connection closed that index pages still call "removed" (oldest forgotten first)... */
  closedEnvironments: number;
  /** ...and for how long. */
  closedEnvironmentSeconds: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  tunnelsPerConnection: 100,
  tunnelsPerKey: 1_000,
  connectionsPerKey: 100,
  unauthenticatedConnections: 512,
  unauthenticatedPerAddress: 32,
  refusedForwardsPerConnection: 64,
  connectionsPerTunnel: 1_000,
  maxVisitorConnections: 20_000,
  channelOpenTimeoutMs: 10_000,
  agentWriteBufferBytes: 8 * 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 10 * 60_000,
  idleTimeoutMs: 15 * 60_000,
  sshHandshakeTimeoutMs: 10_000,
  sshKeepaliveIntervalMs: 5_000,
  sshKeepaliveCountMax: 3,
  sshCloseGraceMs: 5_000,
  aliveCheckTimeoutMs: 2_000,
  maxTokenLifetimeSeconds: 90 * 24 * 3600,
  tokenClockSkewSeconds: 60,
  closedEnvironments: 1_000,
  closedEnvironmentSeconds: 24 * 3600,
});

/** Limits from a partial override, refusing a value that is not a positive integer. */
export const resolveLimits = (overrides: Partial<Limits> = {}): Limits => {
  const limits: Limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`limit ${name} must be a positive integer, not ${String(value)}`);
  }
  return limits;
};
