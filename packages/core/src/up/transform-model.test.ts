import { describe, expect, it } from 'vitest';
import { AGENT_SERVICE, agentStatePort } from '@preevy/tunnel-protocol';
import { transformModel } from './transform-model.js';

const tunnel = { sshHost: '127.0.0.1', sshPort: 2222, hostKey: 'ssh-ed25519 AAAA', baseUrl: new URL('http://localhost:8030'), agentNetwork: 'project' as const };
const raw = {
  name: 'hello',
  services: { web: { image: 'busybox', labels: { mine: '1' } }, api: { image: 'node' } },
  networks: { default: { name: 'hello_default' }, shared: { external: true, name: 'shared' } },
  volumes: { data: {} },
};
const labels = { 'dev.preevy.env-id': 'hello-main' };

describe('transformModel', () => {
  const out = transformModel({ raw, envId: 'hello-main', project: 'hello-main', labels, agentImage: 'preevy/agent:abc', tunnel, defaultAccess: 'public', serviceLabels: { api: { 'preevy.access': 'private', 'preevy.expose': '80' } } });
  const services = out.services as Record<string, Record<string, unknown>>;

  it('should label every service, our networks and volumes, but not external ones', () => {
    expect(services.web!.labels).toEqual({ mine: '1', ...labels });
    expect(services.api!.labels).toEqual({ ...labels, 'preevy.access': 'private', 'preevy.expose': '80' });
    expect((out.networks as Record<string, { labels?: unknown }>).default!.labels).toEqual(labels);
    expect((out.networks as Record<string, { labels?: unknown }>).shared!.labels).toBeUndefined();
    expect((out.volumes as Record<string, { labels?: unknown }>).data!.labels).toEqual(labels);
    expect(out.name).toBe('hello-main');
  });

  it('should drop the default names config spells out, so each environment gets its own network, and keep explicit ones', () => {
    const named = transformModel({
      raw: { name: 'hello', services: {}, networks: { default: { name: 'hello_default' }, pinned: { name: 'my-net' } }, volumes: { data: { name: 'hello_data' } } },
      envId: 'e', project: 'e', labels, agentImage: 'a', tunnel, defaultAccess: 'public',
    });
    const networks = named.networks as Record<string, { name?: string }>;
    expect(networks.default!.name).toBeUndefined();
    expect(networks.pinned!.name).toBe('my-net');
    expect((named.volumes as Record<string, { name?: string }>).data!.name).toBeUndefined();
  });

  it('should add the agent with the socket mounted read-only, the key as a secret, on the project networks', () => {
    const agent = services[AGENT_SERVICE]!;
    expect(agent.image).toBe('preevy/agent:abc');
    expect(agent.volumes).toEqual([{ type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock', read_only: true }]);
    expect(agent.networks).toEqual({ default: null, shared: null });
    expect(agent.ports).toBeUndefined();
    expect(JSON.stringify(agent)).not.toContain('BEGIN OPENSSH');
    expect(out.secrets).toEqual({ preevy_agent_key: { environment: 'PREEVY_AGENT_KEY_CONTENT' } });
    expect(agent.secrets).toEqual([{ source: 'preevy_agent_key', target: 'preevy_agent_key', mode: 0o400 }]);
  });

  it('should put the agent on the host network for a loopback tunnel server, with a state port per env', () => {
    const hostOut = transformModel({ raw, envId: 'e', project: 'e', labels, agentImage: 'a', tunnel: { ...tunnel, agentNetwork: 'host' }, defaultAccess: 'public' });
    const agent = (hostOut.services as Record<string, Record<string, unknown>>)[AGENT_SERVICE]!;
    expect(agent.network_mode).toBe('host');
    expect(agent.networks).toBeUndefined();
    expect(agentStatePort('a', 'host')).not.toBe(agentStatePort('b', 'host'));
    expect(agentStatePort('a', 'host')).toBeGreaterThanOrEqual(20_000);
  });

  it('should hand the agent the CI info for the index page, and nothing outside CI', () => {
    const envOf = (o: Record<string, unknown>) => ((o.services as Record<string, Record<string, unknown>>)[AGENT_SERVICE]!.environment as Record<string, string>);
    const withInfo = transformModel({ raw, envId: 'e', project: 'e', labels, agentImage: 'a', tunnel, defaultAccess: 'public', envInfo: { branch: 'feat', pullRequest: 4 } });
    expect(JSON.parse(envOf(withInfo).PREEVY_ENV_INFO!)).toEqual({ branch: 'feat', pullRequest: 4 });
    expect(envOf(transformModel({ raw, envId: 'e', project: 'e', labels, agentImage: 'a', tunnel, defaultAccess: 'public', envInfo: {} }))).not.toHaveProperty('PREEVY_ENV_INFO');
  });
});
