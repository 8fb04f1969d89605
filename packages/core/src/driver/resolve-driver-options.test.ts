import { describe, expect, it } from 'vitest';
import type { DriverOptionDescriptor } from './docker-host-driver.js';
import { chooseDriver, resolveDriverOptions } from './resolve-driver-options.js';

const options: DriverOptionDescriptor[] = [
  { name: 'namespace', type: 'string', env: 'PREEVY_KUBE_POD_NAMESPACE', default: 'default', description: '' },
  { name: 'cpu', type: 'number', env: 'PREEVY_KUBE_POD_CPU', default: 1, description: '' },
  { name: 'create-namespace', type: 'boolean', description: '' },
];

describe('resolveDriverOptions', () => {
  it('should let each layer win over the one below: default < profile < x-preevy < environment < flag', () => {
    const layers = {
      profile: { namespace: 'from-profile' },
      project: { namespace: 'from-project' },
      env: { PREEVY_KUBE_POD_NAMESPACE: 'from-env' },
      flags: { namespace: 'from-flag' },
    };
    expect(resolveDriverOptions('kube-pod', options, {}).namespace).toBe('default');
    expect(resolveDriverOptions('kube-pod', options, { profile: layers.profile }).namespace).toBe('from-profile');
    expect(resolveDriverOptions('kube-pod', options, { profile: layers.profile, project: layers.project }).namespace).toBe('from-project');
    expect(resolveDriverOptions('kube-pod', options, { ...layers, flags: undefined }).namespace).toBe('from-env');
    expect(resolveDriverOptions('kube-pod', options, layers).namespace).toBe('from-flag');
  });

  it('should never let an unset flag or an empty variable hide a lower layer', () => {
    expect(resolveDriverOptions('kube-pod', options, { project: { cpu: 2 }, env: { PREEVY_KUBE_POD_CPU: '' }, flags: { cpu: undefined } }).cpu).toBe(2);
  });

  it('should type values read from text by the descriptor', () => {
    expect(resolveDriverOptions('kube-pod', options, { env: { PREEVY_KUBE_POD_CPU: '0.5' }, flags: { 'create-namespace': 'true' } })).toMatchObject({ cpu: 0.5, 'create-namespace': true });
  });

  it('should report every bad value at once, naming its layer, and an unknown option', () => {
    let err: unknown;
    try {
      resolveDriverOptions('kube-pod', options, { profile: { cpu: 'lots' }, project: { namespce: 'x' }, env: { PREEVY_KUBE_POD_CPU: 'many' } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'DRIVER_OPTION_INVALID' });
    const message = (err as Error).message;
    expect(message).toContain('profile: option "cpu" must be a number, got "lots"');
    expect(message).toContain('x-preevy.drivers.kube-pod: kube-pod has no option "namespce"');
    expect(message).toContain('environment: option "cpu" must be a number, got "many"');
  });
});

describe('chooseDriver', () => {
  it('should take the flag, else x-preevy, else the profile, else docker', () => {
    expect(chooseDriver({ flag: 'a', project: 'b', profile: 'c' })).toBe('a');
    expect(chooseDriver({ project: 'b', profile: 'c' })).toBe('b');
    expect(chooseDriver({ profile: 'c' })).toBe('c');
    expect(chooseDriver({})).toBe('docker');
  });
});

describe('resolveDriverOptions with paths', () => {
  const withPath: DriverOptionDescriptor[] = [{ name: 'template', type: 'string', path: true, description: '' }];
  it("should resolve a relative path from x-preevy against the compose file's directory, and from a flag against the working directory", () => {
    const dirs = { project: '/repo/app', cwd: '/home/me' };
    expect(resolveDriverOptions('kube-pod', withPath, { project: { template: 'k8s/t.njk' }, dirs }).template).toBe('/repo/app/k8s/t.njk');
    expect(resolveDriverOptions('kube-pod', withPath, { project: { template: 'k8s/t.njk' }, flags: { template: 'mine.njk' }, dirs }).template).toBe('/home/me/mine.njk');
    expect(resolveDriverOptions('kube-pod', withPath, { profile: { template: '/abs/t.njk' }, dirs }).template).toBe('/abs/t.njk');
  });
});

describe('chooseDriver with a record', () => {
  it("should take the flag over the environment's recorded driver, and the record over x-preevy and the profile", () => {
    expect(chooseDriver({ flag: 'a', recorded: 'r', project: 'b', profile: 'c' })).toBe('a');
    expect(chooseDriver({ recorded: 'r', project: 'b', profile: 'c' })).toBe('r');
  });
});
