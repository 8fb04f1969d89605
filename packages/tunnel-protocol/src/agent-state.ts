import type { TunnelAccess } from './forward-request.js';
import type { TunnelRejection } from './messages.js';

export type AgentConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

/** What the agent reports (`preevy-agent state`, `GET /state`) and the CLI reads to learn URLs. */
export interface AgentState {
  status: AgentConnectionStatus;
  envId: string;
  clientId?: string;
  tunnels: { service: string; port: number; access: TunnelAccess; url?: string; state: 'pending' | 'active' | 'rejected' }[];
  lastError?: string;
  rejected?: TunnelRejection[];
  /** Why the agent cannot read the compose project from Docker (e.g. the socket is not mounted). */
  dockerError?: string;
  /** When a visitor last came through a tunnel, or the activity file changed (ISO time, to 30 s): what a machine's idle stop reads. */
  lastActivityAt?: string;
  /** A workspace's idle stop, when the agent enforces one. */
  idleStop?: IdleStopState;
}

/** The idle-stop policy of a workspace container and where it stands: what `workspace ls` shows. */
export interface IdleStopState {
  container: string;
  timeoutSeconds: number;
  /** The latest of: the container's start, a tunnel visitor, the activity file (ISO time). */
  lastActivityAt?: string;
  /** When the agent stopped the container for idleness (ISO time); cleared when it runs again. */
  stoppedAt?: string;
}

/** Reads an agent state document, checking the fields a reader relies on. */
export const parseAgentState = (text: string): AgentState => {
  const v = JSON.parse(text) as Partial<AgentState> | null;
  if (typeof v !== 'object' || v === null || typeof v.status !== 'string' || typeof v.envId !== 'string' || !Array.isArray(v.tunnels)) {
    throw new TypeError('malformed agent state');
  }
  return v as AgentState;
};
