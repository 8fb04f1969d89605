import { describe, expect, it } from 'vitest';
import type { DockerHostDriver } from '../driver/docker-host-driver.js';
import { agentTunnelAddress, checkTunnelReach } from './tunnel-reach.js';

const driverReaching = (reaches: (host: string) => boolean): DockerHostDriver =>
  ({
    name: 'kube-pod',
    agentReaches: ({ host }) => (reaches(host) ? { ok: true } : { ok: false, reason: `${host} is loopback`, suggestions: ['Use another server.'] }),
  }) as DockerHostDriver;

describe('agentTunnelAddress', () => {
  it("should read the tunnel URL's host and port, with each scheme's default port, and the embedded server as loopback", () => {
    expect(agentTunnelAddress('ssh://10.0.0.5:2222')).toEqual({ host: '10.0.0.5', port: 2222, embedded: false });
    expect(agentTunnelAddress('ssh://tunnel.example.com')).toEqual({ host: 'tunnel.example.com', port: 22, embedded: false });
    expect(agentTunnelAddress('ssh+tls://tunnel.example.com')).toMatchObject({ port: 443 });
    expect(agentTunnelAddress('ssh://[::1]:2222')).toMatchObject({ host: '::1' });
    expect(agentTunnelAddress(undefined)).toMatchObject({ host: '127.0.0.1', embedded: true });
  });
});

describe('checkTunnelReach', () => {
  const driver = driverReaching((h) => !h.startsWith('127.'));
  it('should pass a server the host reaches', () => {
    expect(() => checkTunnelReach(driver, 'ssh://10.0.0.5:2222')).not.toThrow();
  });

  it("should refuse one it cannot reach, with the driver's reason and how to set another server", () => {
    let err: unknown;
    try {
      checkTunnelReach(driver, undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'TUNNEL_UNREACHABLE_FROM_HOST', kind: 'invalid-input' });
    expect((err as Error).message).toBe("The agent on a kube-pod host cannot reach the local tunnel server (this machine's loopback): 127.0.0.1 is loopback");
    expect((err as { suggestions: string[] }).suggestions.join('\n')).toContain('--tunnel-url');
  });
});
