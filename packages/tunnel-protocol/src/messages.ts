import type { TunnelAccess } from './forward-request.js';

/** Bumped on incompatible changes to any message or format in this package. */
export const PROTOCOL_VERSION = 1;

/** SSH exec commands the tunnel server answers with one JSON document. */
export const EXEC_HELLO = 'hello';

export interface TunnelInfo {
  name: string;
  label: string;
  url: string;
  access: TunnelAccess;
  service?: string;
  port?: number;
}

/** A forward the server refused on this connection, by the tunnel name it asked for (see `requestedTunnelName`). */
export interface TunnelRejection {
  name: string;
  reason: string;
}

/** Reply to `hello`: who the server thinks the client is, the tunnels it holds now and the latest refusals. */
export interface HelloReply {
  protocolVersion: number;
  clientId: string;
  envId: string;
  baseUrl: string;
  tunnels: TunnelInfo[];
  rejected: TunnelRejection[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a `hello` reply read from the wire. */
export const parseHelloReply = (text: string): HelloReply => {
  const v: unknown = JSON.parse(text);
  if (
    !isRecord(v) ||
    typeof v.protocolVersion !== 'number' ||
    typeof v.clientId !== 'string' ||
    typeof v.envId !== 'string' ||
    typeof v.baseUrl !== 'string' ||
    !Array.isArray(v.tunnels)
  ) {
    throw new TypeError('malformed hello reply');
  }
  if (v.protocolVersion !== PROTOCOL_VERSION) throw new TypeError(`tunnel server speaks protocol ${v.protocolVersion}, this client ${PROTOCOL_VERSION}`);
  const rejected = v.rejected ?? [];
  if (!Array.isArray(rejected) || !rejected.every((r) => isRecord(r) && typeof r.name === 'string' && typeof r.reason === 'string')) {
    throw new TypeError('malformed hello reply: rejected');
  }
  return { ...(v as unknown as HelloReply), rejected: rejected.map(({ name, reason }: TunnelRejection) => ({ name, reason })) };
};
