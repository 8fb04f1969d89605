import { describe, expect, it } from 'vitest';
import { ComposeOutputError, toComposeModel } from './compose-model.js';

// Trimmed from the real output of `docker compose --profile dev config --format json` (v2.32).
const RAW = {
  name: 'probe',
  networks: { back: { name: 'probe_back', ipam: {} }, default: { name: 'probe_default', ipam: {} } },
  services: {
    api: { profiles: ['dev'], command: null, image: 'x', networks: { back: null } },
    web: {
      build: { context: '/tmp/probe', dockerfile: 'Dockerfile', args: { BASE: 'busybox' } },
      depends_on: { api: { condition: 'service_healthy', required: true } },
      healthcheck: { test: ['CMD', 'true'] },
      image: 'preevy-test/busybox:latest',
      labels: { 'preevy.expose': '80' },
      networks: { default: null },
      ports: [
        { mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '8080', protocol: 'tcp' },
        { mode: 'ingress', target: 9000, published: '9000', protocol: 'udp' },
        { mode: 'ingress', target: 3000, protocol: 'tcp' },
        { mode: 'ingress', target: 5000, published: '5000-5010', protocol: 'tcp' },
      ],
      volumes: [
        { type: 'bind', source: '/tmp/probe/site', target: '/www', bind: { create_host_path: true } },
        { type: 'volume', source: 'data', target: '/data', volume: {} },
        { type: 'bind', source: 'rel/dir', target: '/rel', read_only: true },
        { type: 'tmpfs', target: '/tmp' },
      ],
    },
  },
  volumes: { data: { name: 'probe_data' } },
  'x-preevy': { driver: 'docker' },
};

describe('toComposeModel', () => {
  const model = toComposeModel(RAW, { workingDir: '/tmp/probe', files: ['/tmp/probe/compose.yaml'] });

  it('should type the services preevy reads', () => {
    expect(model.services.web).toMatchObject({
      name: 'web',
      image: 'preevy-test/busybox:latest',
      build: { context: '/tmp/probe', dockerfile: 'Dockerfile', args: { BASE: 'busybox' }, target: undefined },
      labels: { 'preevy.expose': '80' },
      networks: ['default'],
      dependsOn: ['api'],
      hasHealthcheck: true,
      profiles: [],
    });
    expect(model.services.api).toMatchObject({ build: undefined, networks: ['back'], profiles: ['dev'], hasHealthcheck: false, ports: [], volumes: [] });
  });

  it('should read host ip, published port, target and protocol, keeping ranges apart', () => {
    expect(model.services.web?.ports).toEqual([
      { hostIp: '127.0.0.1', published: 8080, publishedRange: undefined, target: 80, protocol: 'tcp' },
      { hostIp: undefined, published: 9000, publishedRange: undefined, target: 9000, protocol: 'udp' },
      { hostIp: undefined, published: undefined, publishedRange: undefined, target: 3000, protocol: 'tcp' },
      { hostIp: undefined, published: undefined, publishedRange: '5000-5010', target: 5000, protocol: 'tcp' },
    ]);
  });

  it('should give bind mounts absolute host paths', () => {
    expect(model.services.web?.volumes).toEqual([
      { type: 'bind', source: '/tmp/probe/site', target: '/www', readOnly: false },
      { type: 'volume', source: 'data', target: '/data', readOnly: false },
      { type: 'bind', source: '/tmp/probe/rel/dir', target: '/rel', readOnly: true },
      { type: 'tmpfs', source: undefined, target: '/tmp', readOnly: false },
    ]);
  });

  it('should keep the project name, top-level sections, x-preevy and the raw output', () => {
    expect(model).toMatchObject({ projectName: 'probe', workingDir: '/tmp/probe', files: ['/tmp/probe/compose.yaml'], xPreevy: { driver: 'docker' } });
    expect(Object.keys(model.networks)).toEqual(['back', 'default']);
    expect(model.volumes).toEqual({ data: { name: 'probe_data' } });
    expect(model.raw).toEqual(RAW);
  });

  it('should treat a disabled healthcheck as none', () => {
    const m = toComposeModel({ name: 'p', services: { a: { healthcheck: { disable: true } }, b: { healthcheck: { test: ['NONE'] } } } }, { workingDir: '/', files: [] });
    expect([m.services.a?.hasHealthcheck, m.services.b?.hasHealthcheck]).toEqual([false, false]);
  });

  it('should reject output of an unexpected shape', () => {
    expect(() => toComposeModel({ services: {} }, { workingDir: '/', files: [] })).toThrow(ComposeOutputError);
  });
});
