import { LABELS, parseForwardRequest } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { discoverTunnels, type DiscoveryOptions } from './discovery.js';
import type { ContainerSummary } from './docker-engine-client.js';

const PROJECT = 'shop';

interface Spec {
  service: string;
  project?: string;
  state?: string;
  number?: number;
  labels?: Record<string, string>;
  ports?: ContainerSummary['Ports'];
  networks?: Record<string, string>;
}

let seq = 0;
const container = ({ service, project = PROJECT, state = 'running', number = 1, labels = {}, ports = [], networks = { [`${PROJECT}_default`]: '172.20.0.5' } }: Spec): ContainerSummary => {
  seq += 1;
  return {
    Id: `id-${service}-${number}-${seq}`,
    State: state,
    Labels: {
      'com.docker.compose.project': project,
      'com.docker.compose.service': service,
      'com.docker.compose.container-number': String(number),
      ...labels,
    },
    Ports: ports,
    NetworkSettings: { Networks: Object.fromEntries(Object.entries(networks).map(([name, ip]) => [name, { IPAddress: ip }])) },
  };
};

const published = (privatePort: number, publicPort = 30000 + privatePort) => [
  { IP: '0.0.0.0', PrivatePort: privatePort, PublicPort: publicPort, Type: 'tcp' },
  { IP: '::', PrivatePort: privatePort, PublicPort: publicPort, Type: 'tcp' },
];

const discover = (containers: ContainerSummary[], options: Partial<DiscoveryOptions> = {}) => discoverTunnels(containers, { project: PROJECT, ...options });
const summary = (containers: ContainerSummary[], options: Partial<DiscoveryOptions> = {}) =>
  discover(containers, options).tunnels.map((t) => `${t.service}:${t.port}:${t.access}`);

describe('discoverTunnels', () => {
  it('should publish each published TCP port once, targeting the container IP and private port', () => {
    const { tunnels, warnings } = discover([container({ service: 'web', ports: [...published(80), { PrivatePort: 9000, Type: 'tcp' }] })]);
    expect(warnings).toEqual([]);
    expect(tunnels).toEqual([
      {
        service: 'web',
        port: 80,
        access: 'public',
        name: 'web-80',
        target: { host: '172.20.0.5', port: 80 },
        requestString: 'web-80;access=public;service=web;port=80',
      },
    ]);
  });

  it('should ignore UDP ports and ports that are not published', () => {
    const ports = [{ PrivatePort: 53, PublicPort: 5353, Type: 'udp' }, { PrivatePort: 8080, Type: 'tcp' }];
    expect(summary([container({ service: 'dns', ports })])).toEqual([]);
  });

  it('should publish exactly the ports of preevy.expose, published or not', () => {
    const c = container({ service: 'api', labels: { 'preevy.expose': '3000, 9229/tcp' }, ports: published(8080) });
    expect(summary([c])).toEqual(['api:3000:public', 'api:9229:public']);
  });

  it('should add the ports of the workspace tunnels label to the published ones, with the names it gives', () => {
    const c = container({ service: 'app', labels: { [LABELS.tunnels]: '3000:web,9229' }, ports: published(8080) });
    const { tunnels, warnings } = discover([c]);
    expect(warnings).toEqual([]);
    expect(tunnels.map((t) => [t.port, t.name, t.requestString])).toEqual([
      [3000, 'web', 'web;access=public;service=app;port=3000'],
      [8080, 'app-8080', 'app-8080;access=public;service=app;port=8080'],
      [9229, 'app-9229', 'app-9229;access=public;service=app;port=9229'],
    ]);
  });

  it('should warn about and ignore tunnels label entries that are not PORT or PORT=DNS-LABEL', () => {
    const { tunnels, warnings } = discover([container({ service: 'app', labels: { [LABELS.tunnels]: '3000:Web_UI,x,4000:ok' } })]);
    expect(tunnels.map((t) => `${t.port}:${t.name}`)).toEqual(['4000:ok']);
    expect(warnings).toEqual([expect.stringContaining('"3000:Web_UI", "x"')]);
  });

  it('should warn about and skip invalid preevy.expose entries', () => {
    const { tunnels, warnings } = discover([container({ service: 'api', labels: { 'preevy.expose': '3000,abc,70000' } })]);
    expect(tunnels.map((t) => t.port)).toEqual([3000]);
    expect(warnings).toEqual([expect.stringContaining('"abc", "70000"')]);
  });

  it('should read access from preevy.access and fall back to the default access', () => {
    const containers = [
      container({ service: 'admin', labels: { 'preevy.access': 'private' }, ports: published(80) }),
      container({ service: 'site', labels: { 'preevy.access': 'PUBLIC' }, ports: published(80) }),
      container({ service: 'docs', ports: published(80) }),
    ];
    expect(summary(containers, { defaultAccess: 'private' })).toEqual(['admin:80:private', 'docs:80:private', 'site:80:public']);
    expect(discover(containers).tunnels.find((t) => t.service === 'admin')?.requestString).toBe('admin-80;access=private;service=admin;port=80');
  });

  it('should treat a bad preevy.access value as private and warn', () => {
    const { tunnels, warnings } = discover([container({ service: 'db-ui', labels: { 'preevy.access': 'pubic' }, ports: published(80) })]);
    expect(tunnels.map((t) => t.access)).toEqual(['private']);
    expect(warnings).toEqual([expect.stringMatching(/preevy\.access.*received "pubic".*private/)]);
  });

  it('should ignore containers that are not running or belong to another project', () => {
    const containers = [
      container({ service: 'stopped', state: 'exited', ports: published(80) }),
      container({ service: 'paused', state: 'paused', ports: published(80) }),
      container({ service: 'other', project: 'other', ports: published(80) }),
      container({ service: 'web', ports: published(80) }),
    ];
    expect(summary(containers)).toEqual(['web:80:public']);
  });

  it('should ignore the agent itself, by label or by service name', () => {
    const containers = [
      // The label core puts on the agent service (one labels module; the agent read another once).
      container({ service: 'preevy-agent', labels: { [LABELS.agent]: 'true' }, ports: published(3033) }),
      container({ service: 'tunnel', ports: published(3034) }),
      container({ service: 'web', ports: published(80) }),
    ];
    expect(summary(containers, { agentService: 'tunnel' })).toEqual(['web:80:public']);
  });

  it('should give the same sorted list whatever the input order', () => {
    const containers = [
      container({ service: 'zeta', ports: [...published(8080), ...published(80)] }),
      container({ service: 'alpha', ports: published(5000) }),
      container({ service: 'mid', ports: published(443) }),
    ];
    const expected = ['alpha:5000:public', 'mid:443:public', 'zeta:80:public', 'zeta:8080:public'];
    expect(summary(containers)).toEqual(expected);
    expect(summary([...containers].reverse())).toEqual(expected);
  });

  it('should publish a scaled service once, served by its lowest-numbered replica', () => {
    const containers = [
      container({ service: 'web', number: 2, ports: published(80, 30002), networks: { shop_default: '172.20.0.9' } }),
      container({ service: 'web', number: 1, ports: published(80, 30001), networks: { shop_default: '172.20.0.8' } }),
    ];
    expect(discover(containers).tunnels.map((t) => t.target)).toEqual([{ host: '172.20.0.8', port: 80 }]);
  });

  it('should dial a network shared with the agent, read from the agent container when not given', () => {
    const agent = container({ service: 'agent', labels: { [LABELS.agent]: 'true' }, networks: { shop_back: '10.0.1.2' } });
    const web = container({ service: 'web', ports: published(80), networks: { shop_a_front: '10.0.0.3', shop_back: '10.0.1.3' } });
    expect(discover([agent, web]).tunnels[0]?.target.host).toBe('10.0.1.3');
    expect(discover([web], { agentNetworks: ['shop_a_front'] }).tunnels[0]?.target.host).toBe('10.0.0.3');
  });

  it('should dial any network when the agent runs on the host network', () => {
    const agent = container({ service: 'agent', labels: { [LABELS.agent]: 'true' }, networks: { host: '' } });
    const web = container({ service: 'web', ports: published(80), networks: { shop_default: '172.20.0.8' } });
    expect(discover([agent, web]).tunnels[0]?.target.host).toBe('172.20.0.8');
  });

  it('should skip and warn about a service that shares no network with the agent', () => {
    const { tunnels, warnings } = discover([container({ service: 'web', ports: published(80), networks: { isolated: '10.9.0.2' } })], {
      agentNetworks: ['shop_default'],
    });
    expect(tunnels).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('shares no network with the agent')]);
  });

  it('should produce forward requests the protocol parses back, even for service names that are not DNS labels', () => {
    const { tunnels } = discover([container({ service: 'my_api.v2', ports: published(8000) }), container({ service: 'web', ports: published(80) })]);
    for (const t of tunnels) {
      const parsed = parseForwardRequest(t.requestString);
      expect(parsed).toEqual({ ok: true, value: { name: t.name, access: t.access, service: t.service, port: t.port } });
    }
    expect(tunnels[0]?.name).toMatch(/^my-api-v2-8000/);
  });
});

describe('discoverTunnels: deploy time', () => {
  it('should report when the newest container of the project was created, the agent included', () => {
    const web = { ...container({ service: 'web', ports: published(80) }), Created: 1_714_557_600 };
    const agent = { ...container({ service: 'preevy_agent', labels: { [LABELS.agent]: 'true' } }), Created: 1_714_557_660 };
    const other = { ...container({ service: 'x', project: 'other' }), Created: 1_800_000_000 };
    expect(discover([web, agent, other]).deployedAt).toBe('2024-05-01T10:01:00.000Z');
    expect(discover([]).deployedAt).toBeUndefined();
  });
});
