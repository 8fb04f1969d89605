import { pino } from 'pino';
import { formatForwardRequest, generateOpenSshEd25519, serviceTunnelName } from '@preevy/tunnel-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelClient, type DesiredTunnel } from '@preevy/agent';
import { generateHostKey, startTunnelServer, type RunningTunnelServer } from '@preevy/tunnel-server';

// The refusal reason travels from the real server's `hello` to the real agent's state: both sides
// read one message format (tunnel-protocol's HelloReply), keyed by the tunnel name asked for.
describe('a refused tunnel, between the real server and the real agent', () => {
  const hostKey = generateHostKey();
  const { openssh } = generateOpenSshEd25519('refusal-test');
  let server: RunningTunnelServer;
  let client: TunnelClient;

  const desired = (service: string): DesiredTunnel => {
    const name = serviceTunnelName(service, 80);
    return { service, port: 80, access: 'public', name, target: { host: '127.0.0.1', port: 9 }, requestString: formatForwardRequest({ name, access: 'public', service, port: 80 }) };
  };

  beforeAll(async () => {
    server = await startTunnelServer({ baseUrl: new URL('http://refusal.test'), sshPort: 0, httpPort: 0, hostKey, logger: pino({ level: 'silent' }), limits: { tunnelsPerConnection: 1 } });
    client = new TunnelClient({ server: { host: '127.0.0.1', port: server.sshPort }, envId: 'refusal', privateKey: Buffer.from(openssh), hostKey: hostKey.publicKey });
    client.start();
  });

  afterAll(async () => {
    await client?.stop();
    await server?.close({ drainMs: 0 });
  });

  it("should show the server's reason for the tunnel it refused", async () => {
    await client.reconcile([desired('api'), desired('web')]);
    const deadline = Date.now() + 10_000;
    while (client.state().tunnels.filter((t) => t.state !== 'pending').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const { tunnels, rejected } = client.state();
    expect(tunnels.map((t) => t.state).sort()).toEqual(['active', 'rejected']);
    const refused = tunnels.find((t) => t.state === 'rejected')!;
    expect(refused.reason).toBe('at most 1 tunnels per connection');
    expect(rejected).toEqual([{ name: refused.name, reason: 'at most 1 tunnels per connection' }]);
  });
});
