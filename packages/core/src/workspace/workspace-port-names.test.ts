import { describe, expect, it } from 'vitest';
import { PreevyError } from '../errors/preevy-error.js';
import { expectedWorkspacePorts, parseInspect, type ProjectContainer } from './workspace-ports.js';
import { forwardedWorkspacePorts, MAX_PORT_NAME, portNameOfLabel, tunnelLabelsByService } from './workspace-port-names.js';

describe('portNameOfLabel', () => {
  it('should make a label a short DNS label, or nothing when no letter or digit is left', () => {
    expect(portNameOfLabel('Web UI')).toBe('web-ui');
    expect(portNameOfLabel('__')).toBeUndefined();
    const long = portNameOfLabel('a very long label for the debugger of the api server');
    expect(long!.length).toBeLessThanOrEqual(MAX_PORT_NAME);
    expect(long).toMatch(/^a-very-long-lab-[a-z2-7]{8}$/);
    expect(long).not.toBe(portNameOfLabel('a very long label for the debugger of the web server'));
  });
});

describe('forwardedWorkspacePorts', () => {
  it('should name a port by its portsAttributes label, else by its number', () => {
    const ports = forwardedWorkspacePorts({ forwardPorts: [8080, '3000'], portsAttributes: { 8080: { label: 'Web App' } } }, 'workspace', false);
    expect(ports).toEqual([
      { service: 'workspace', port: 3000, name: '3000' },
      { service: 'workspace', port: 8080, name: 'web-app', label: 'Web App' },
    ]);
  });

  it('should read service:port entries and labels of a compose devcontainer, and ignore them for a single container', () => {
    const json = { forwardPorts: ['db:5432', 9229], portsAttributes: { 'web:80': { label: 'site' }, '9229': { label: 'debug' } } };
    expect(forwardedWorkspacePorts(json, 'app', true)).toEqual([
      { service: 'app', port: 9229, name: 'debug', label: 'debug' },
      { service: 'db', port: 5432, name: 'db-5432' },
      { service: 'web', port: 80, name: 'site', label: 'site' },
    ]);
    expect(forwardedWorkspacePorts(json, 'workspace', false).map((p) => p.port)).toEqual([9229]);
  });

  it('should name the forwarded ports a labelled range holds {label}-{port}, an exact key first, adding no port', () => {
    const json = {
      forwardPorts: [3000, 3001, 'db:5433', 9000],
      portsAttributes: { '3000-3009': { label: 'Dev Servers' }, '3001': { label: 'api' }, 'db:5430-5439': { label: 'pg' }, '.+/server.js': { label: 'node' } },
    };
    expect(forwardedWorkspacePorts(json, 'app', true)).toEqual([
      { service: 'app', port: 3000, name: 'dev-servers-3000', label: 'Dev Servers' },
      { service: 'app', port: 3001, name: 'api', label: 'api' },
      { service: 'app', port: 9000, name: '9000' },
      { service: 'db', port: 5433, name: 'pg-5433', label: 'pg' },
    ]);
    // A single container has no other service: a SERVICE:FROM-TO key names nothing there.
    expect(forwardedWorkspacePorts({ forwardPorts: [5433], portsAttributes: { 'workspace:5430-5439': { label: 'pg' } } }, 'workspace', false)).toEqual([
      { service: 'workspace', port: 5433, name: '5433' },
    ]);
    const long = forwardedWorkspacePorts({ forwardPorts: [40123], portsAttributes: { '40000-49999': { label: 'a very long label for a range' } } }, 'workspace', false);
    expect(long[0]!.name.length).toBeLessThanOrEqual(MAX_PORT_NAME);
    expect(long[0]!.name).toMatch(/^a-very-lo-[a-z2-7]{8}-40123$/);
  });

  it('should refuse two ports that would share a URL name, naming both', () => {
    const clash = () => forwardedWorkspacePorts({ forwardPorts: [3000, 3001], portsAttributes: { 3000: { label: 'Web' }, 3001: { label: 'web!' } } }, 'workspace', false);
    expect(clash).toThrow(PreevyError);
    expect(clash).toThrow('Ports 3000 (label "Web") and 3001 (label "web!") would share the URL name "web"');
    // A label that spells another port's number clashes too.
    expect(() => forwardedWorkspacePorts({ forwardPorts: [80, 8080], portsAttributes: { 80: { label: '8080' } } }, 'workspace', false)).toThrow('would share the URL name "8080"');
  });

  it('should give each service its dev.preevy.tunnels label value', () => {
    const ports = forwardedWorkspacePorts({ forwardPorts: [3000, 'web:80'], portsAttributes: { 3000: { label: 'ui' } } }, 'app', true);
    expect(tunnelLabelsByService(ports)).toEqual({ app: '3000:ui', web: '80:web-80' });
  });
});

describe('expectedWorkspacePorts', () => {
  const c = (service: string, labels: Record<string, string>, publishedTcpPorts: number[], running = true): ProjectContainer => ({
    id: service, name: service, running, networks: [], publishedTcpPorts,
    labels: { 'com.docker.compose.service': service, ...labels },
  });

  it('should expect the published ports and the named ones, as the agent discovers them, skipping the agent and stopped containers', () => {
    const ports = expectedWorkspacePorts([
      c('app', { 'dev.preevy.tunnels': '3000:ui' }, []),
      c('web', {}, [80]),
      c('preevy_agent', { 'dev.preevy.agent': 'true' }, [9000]),
      c('db', {}, [5432], false),
      c('workspace', { 'preevy.expose': '8080', 'dev.preevy.tunnels': '8080:8080' }, [9999]),
    ]);
    expect(ports).toEqual([
      { service: 'app', port: 3000, name: 'ui' },
      { service: 'web', port: 80, name: 'web-80' },
      { service: 'workspace', port: 8080, name: '8080' },
    ]);
  });

  it('should list them by service whatever order the engine listed the containers in', () => {
    const ports = expectedWorkspacePorts([c('web', {}, [80]), c('app', { 'dev.preevy.tunnels': '3000:app' }, [])]);
    expect(ports.map((p) => p.service)).toEqual(['app', 'web']);
  });

  it('should refuse a forwarded name that a published port takes too', () => {
    expect(() => expectedWorkspacePorts([c('app', { 'dev.preevy.tunnels': '3000:web-80' }, []), c('web', {}, [80])])).toThrow('Ports app:3000 and web:80 would share the URL name "web-80"');
  });
});

describe('parseInspect', () => {
  it('should read names, state, labels, networks and the TCP ports published on the host', () => {
    const out = JSON.stringify([{
      Id: 'abc', Name: '/proj-web-1', State: { Running: true }, Config: { Labels: { a: 'b' } },
      NetworkSettings: { Networks: { proj_default: {} }, Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }], '81/tcp': null, '53/udp': [{ HostPort: '53' }] } },
    }]);
    expect(parseInspect(out)).toEqual([{ id: 'abc', name: 'proj-web-1', running: true, labels: { a: 'b' }, networks: ['proj_default'], publishedTcpPorts: [80] }]);
  });
});
