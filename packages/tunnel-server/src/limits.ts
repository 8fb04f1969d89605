/** Resource limits; every one has a safe default and can be overridden. */
export interface Limits {
  tunnelsPerClient: number;
  connectionsPerTunnel: number;
  maxHeaderBytes: number;
  /** Time a visitor has to send a complete request head (slowloris). */
  headerTimeoutMs: number;
  /** A visitor connection with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /** Time an SSH client has to complete the handshake and authenticate. */
  sshHandshakeTimeoutMs: number;
  sshKeepaliveIntervalMs: number;
  sshKeepaliveCountMax: number;
  /** How long the previous holder of a hostname has to prove it is alive before a takeover. */
  aliveCheckTimeoutMs: number;
  /** Longest share-token lifetime accepted. */
  maxTokenLifetimeSeconds: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  tunnelsPerClient: 100,
  connectionsPerTunnel: 1_000,
  maxHeaderBytes: 16 * 1024,
  headerTimeoutMs: 10_000,
  idleTimeoutMs: 15 * 60_000,
  sshHandshakeTimeoutMs: 10_000,
  sshKeepaliveIntervalMs: 5_000,
  sshKeepaliveCountMax: 3,
  aliveCheckTimeoutMs: 2_000,
  maxTokenLifetimeSeconds: 90 * 24 * 3600,
});
