import { describe, expect, it } from 'vitest';
import { isPreevyError, type PreevyError } from '../errors/index.js';
import type { ComposeService } from './compose-model.js';
import { validatePreevyConfig, xPreevyProblems } from './validate-preevy-config.js';

const service = (name: string, labels: Record<string, string> = {}): ComposeService => ({
  name,
  image: 'x',
  build: undefined,
  ports: [],
  labels,
  volumes: [],
  networks: [],
  dependsOn: [],
  hasHealthcheck: false,
  profiles: [],
});

const failure = (fn: () => unknown): PreevyError => {
  try {
    fn();
  } catch (err) {
    if (isPreevyError(err)) return err;
    throw err;
  }
  throw new Error('expected a PreevyError');
};

const KUBE = { 'kube-pod': { namespace: 'string', storageSize: 'number', serverSideApply: 'boolean' } } as const;

describe('validatePreevyConfig', () => {
  it('should accept a full, valid section and return it typed', () => {
    const xPreevy = {
      driver: 'kube-pod',
      drivers: { 'kube-pod': { namespace: 'previews', storageSize: 10, serverSideApply: true } },
      access: 'private',
      services: { web: { access: 'public', expose: [80, 8080] } },
      agent: { baseImage: 'node:20-bookworm-slim' },
      tunnelServer: 'ssh://tunnel.example.test:2222',
    };
    const { config, warnings } = validatePreevyConfig({ xPreevy, services: { web: service('web') } }, { driverOptions: KUBE });
    expect(config).toEqual(xPreevy);
    expect(warnings).toEqual([]);
  });

  it('should accept a compose project without x-preevy', () => {
    expect(validatePreevyConfig({ xPreevy: undefined, services: {} }).config).toEqual({});
  });

  it('should list every problem with its exact key path in one error', () => {
    const err = failure(() =>
      validatePreevyConfig(
        {
          xPreevy: { drivers: { 'kube-pod': { namespace: 5 } }, access: 'Public', services: { web: { expose: [0, 'x'] } }, tunnelServer: 'not a url' },
          services: { web: service('web') },
        },
        { driverOptions: KUBE },
      ),
    );
    expect(err).toMatchObject({ code: 'X_PREEVY_INVALID', kind: 'invalid-input' });
    expect(err.message.split('\n').slice(1)).toEqual([
      '  x-preevy.access: expected one of public, private, received "Public"',
      '  x-preevy.services.web.expose[0]: expected number to be >=1, received number 0',
      '  x-preevy.services.web.expose[1]: expected number, received string',
      '  x-preevy.tunnelServer: must be ssh://HOST[:PORT] or ssh+tls://HOST[:PORT] (no user, path or query), received "not a url"',
    ]);
  });

  it('should check driver options against the types the drivers declare', () => {
    const err = failure(() => validatePreevyConfig({ xPreevy: { drivers: { 'kube-pod': { namespace: 5, namespase: 'x' }, 'kube-pd': {} } }, services: {} }, { driverOptions: KUBE }));
    expect(err.message).toContain('x-preevy.drivers.kube-pod.namespace: expected string, received number');
    expect(err.message).toContain('x-preevy.drivers.kube-pod.namespase: unknown option, did you mean "namespace"?');
    expect(err.message).toContain('x-preevy.drivers.kube-pd: unknown driver, did you mean "kube-pod"?');
  });

  it('should suggest the closest key for an unknown one, at any depth', () => {
    const err = failure(() => validatePreevyConfig({ xPreevy: { drivr: 'docker', agent: { baseimage: 'x' }, services: { web: { acces: 'private' } } }, services: {} }));
    expect(err.message).toContain('x-preevy.drivr: unknown key, did you mean "driver"?');
    expect(err.message).toContain('x-preevy.agent.baseimage: unknown key, did you mean "baseImage"?');
    expect(err.message).toContain('x-preevy.services.web.acces: unknown key, did you mean "access"?');
    expect(err.suggestions).toContain('Rename x-preevy.drivr to "driver".');
  });

  it('should list the allowed keys when no key is close', () => {
    const { problems } = xPreevyProblems({ plugins: [] });
    expect(problems).toEqual([{ path: 'x-preevy.plugins', message: 'unknown key (allowed: driver, drivers, access, services, agent, tunnelServer)' }]);
  });

  it('should refuse agent.image with agent.baseImage: a ready image is not built on a base', () => {
    const err = failure(() => validatePreevyConfig({ xPreevy: { agent: { image: 'mine/agent:1', baseImage: 'node:20' } }, services: {} }));
    expect(err).toMatchObject({ code: 'X_PREEVY_INVALID' });
    expect(err.message).toContain('x-preevy.agent: image (a ready agent image) and baseImage (to build one on) exclude each other: keep one');
  });

  it('should reject an x-preevy that is not an object', () => {
    expect(xPreevyProblems('docker').problems).toEqual([{ path: 'x-preevy', message: 'expected object, received string' }]);
  });

  it('should validate preevy.* labels with the same rules and name the service', () => {
    const err = failure(() =>
      validatePreevyConfig({ xPreevy: undefined, services: { web: service('web', { 'preevy.expose': '80, http, 70000' }), api: service('api', { 'preevy.access': 'secret' }) } }),
    );
    expect(err.code).toBe('X_PREEVY_INVALID');
    expect(err.message).toContain('service "web", label preevy.expose: expected comma-separated container ports (1-65535), received "http", "70000"');
    expect(err.message).toContain('service "api", label preevy.access: expected one of public, private, received "secret"');
  });

  it('should accept labels the agent accepts', () => {
    const services = { web: service('web', { 'preevy.expose': '80,8080/tcp', 'preevy.access': ' Private ' }) };
    expect(validatePreevyConfig({ xPreevy: undefined, services }).warnings).toEqual([]);
  });

  it('should warn, not fail, about x-preevy services that are not in the model', () => {
    const { warnings } = validatePreevyConfig({ xPreevy: { services: { wbe: { access: 'private' } } }, services: { web: service('web') } });
    expect(warnings).toEqual(['x-preevy.services.wbe: no such service in the compose project (did you mean "web"?)']);
  });
});
