import { afterEach, describe, expect, it } from 'vitest';
import { fetchAgentState, startStateServer, type AgentState, type StateServer } from './state-server.js';

describe('state server', () => {
  let server: StateServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  const state: AgentState = {
    status: 'reconnecting',
    envId: 'pr-1',
    tunnels: [{ service: 'web', port: 80, access: 'public', state: 'pending' }],
    lastError: 'connect ECONNREFUSED',
  };

  it('should serve the state as JSON and health as 503 until connected, then 200', async () => {
    let current = state;
    server = await startStateServer({ host: '127.0.0.1', port: 0, getState: () => current });
    const base = `http://127.0.0.1:${server.address.port}`;

    expect(await (await fetch(`${base}/state`)).json()).toEqual(state);
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    current = { ...state, status: 'connected', clientId: 'abc' };
    const healthy = await fetch(`${base}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({ status: 'connected' });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/state`, { method: 'POST' })).status).toBe(405);
  });

  it('should be read back by fetchAgentState, also when bound to all interfaces', async () => {
    server = await startStateServer({ host: '127.0.0.1', port: 0, getState: () => state });
    expect(await fetchAgentState({ host: '0.0.0.0', port: server.address.port })).toEqual(state);
  });

  it('should fail with a remedy when the port is taken or nothing listens', async () => {
    server = await startStateServer({ host: '127.0.0.1', port: 0, getState: () => state });
    await expect(startStateServer({ host: '127.0.0.1', port: server.address.port, getState: () => state })).rejects.toMatchObject({ code: 'STATE_PORT_UNAVAILABLE' });
    const port = server.address.port;
    await server.close();
    server = undefined;
    await expect(fetchAgentState({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'AGENT_STATE_UNAVAILABLE' });
  });
});
