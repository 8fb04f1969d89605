import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Limits } from './limits.js';

/** The server's Prometheus series. Labels stay low-cardinality: no client ids, no hostnames. */
export const createMetrics = (limits: Limits) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'preevy_tunnel_server_' });
  const m = {
    registry,
    sshClients: new Gauge({ name: 'preevy_tunnel_ssh_clients', help: 'Authenticated SSH connections', registers: [registry] }),
    tunnels: new Gauge({ name: 'preevy_tunnel_tunnels', help: 'Registered tunnels', registers: [registry] }),
    visitorConnections: new Gauge({ name: 'preevy_tunnel_visitor_connections', help: 'Open visitor connections', registers: [registry] }),
    visitorConnectionsTotal: new Counter({
      name: 'preevy_tunnel_visitor_connections_total',
      help: 'Visitor connections by path: raw (public, byte pass-through) or http (private, index, errors)',
      labelNames: ['path'] as const,
      registers: [registry],
    }),
    bytes: new Counter({ name: 'preevy_tunnel_bytes_total', help: 'Bytes relayed for visitors', labelNames: ['direction'] as const, registers: [registry] }),
    requests: new Counter({
      name: 'preevy_tunnel_http_requests_total',
      help: 'Requests answered by the HTTP app, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    authFailures: new Counter({ name: 'preevy_tunnel_auth_failures_total', help: 'Refused credentials', labelNames: ['kind'] as const, registers: [registry] }),
    refused: new Counter({ name: 'preevy_tunnel_refused_total', help: 'Refused connections and requests, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    sshUnauthenticated: new Gauge({ name: 'preevy_tunnel_ssh_unauthenticated', help: 'SSH connections that have not authenticated yet', registers: [registry] }),
    connectionErrors: new Counter({
      name: 'preevy_tunnel_connection_errors_total',
      help: 'Errors caught in a connection handler (the connection was dropped, the server kept serving)',
      labelNames: ['where'] as const,
      registers: [registry],
    }),
    limit: new Gauge({ name: 'preevy_tunnel_limit', help: 'Configured limits, by name (see the README)', labelNames: ['name'] as const, registers: [registry] }),
  };
  for (const [name, value] of Object.entries<number>({ ...limits })) m.limit.set({ name }, value); // each limit as a series, so dashboards show what is in force
  return m;
};

export type Metrics = ReturnType<typeof createMetrics>;
