import type { Profile } from '@preevy/core';
import { describe, expect, it } from 'vitest';
import { driverFlags, driverResolver, profileDriverOptions } from './driver-flags.js';
import { DRIVERS } from './registry.js';

const profile = (driver: string, driverOptions: Profile['driverOptions'] = {}): Profile =>
  ({ name: 'p', driver, driverOptions, publicKey: '', clientId: 'c', createdAt: '', updatedAt: '' });

/** The endpoint the docker driver connects to: how its `host` option was resolved. */
const endpoint = async (resolve: ReturnType<typeof driverResolver>, project?: Record<string, string>): Promise<string | undefined> => {
  const driver = await resolve(project ? { project: { drivers: { docker: project } }, projectDir: '/p' } : {});
  await using conn = await driver.connect({ driver: 'docker', envId: 'e', state: {} });
  return conn.dockerHost;
};

describe('driver flags', () => {
  it('should generate --<driver>-<option> for every option of every driver, and --driver', () => {
    const names = DRIVERS.flatMap((d) => d.options.map((o) => `${d.name}-${o.name}`));
    expect(names).toContain('docker-host');
    expect(names).toContain('kube-pod-namespace');
    for (const n of ['driver', ...names]) expect(driverFlags).toHaveProperty([n]);
    expect((driverFlags as Record<string, unknown>)['kube-pod-server-side-apply']).toMatchObject({ type: 'boolean', allowNo: true });
  });

  it('should let each layer win over the one below: profile < x-preevy < environment < flag', async () => {
    const p = profile('docker', { host: 'unix:///profile.sock' });
    expect(await endpoint(driverResolver(p, {}, {}))).toBe('unix:///profile.sock');
    expect(await endpoint(driverResolver(p, {}, {}), { host: 'unix:///project.sock' })).toBe('unix:///project.sock');
    expect(await endpoint(driverResolver(p, {}, { DOCKER_HOST: 'unix:///env.sock' }), { host: 'unix:///project.sock' })).toBe('unix:///env.sock');
    expect(await endpoint(driverResolver(p, { 'docker-host': 'unix:///flag.sock' }, { DOCKER_HOST: 'unix:///env.sock' }), { host: 'unix:///project.sock' })).toBe('unix:///flag.sock');
  });

  it("should not use the profile's options for another driver than the profile's", async () => {
    const p = profile('kube-pod', { namespace: 'previews' });
    const driver = await driverResolver(p, { driver: 'docker' }, {})({});
    expect(driver.name).toBe('docker');
  });

  it('should refuse an unknown driver, listing the known ones', async () => {
    await expect(driverResolver(profile('docker'), { driver: 'nope' }, {})({})).rejects.toMatchObject({ code: 'DRIVER_UNKNOWN', message: 'Unknown driver "nope"' });
  });

  it("should store a profile's options typed, and refuse another driver's flag", () => {
    expect(profileDriverOptions('kube-pod', { 'kube-pod-namespace': 'previews', 'kube-pod-create-namespace': true }, { 'ready-timeout': '60' })).toEqual({
      namespace: 'previews',
      'create-namespace': true,
      'ready-timeout': 60,
    });
    expect(() => profileDriverOptions('docker', { 'kube-pod-namespace': 'previews' })).toThrow('--kube-pod-namespace is an option of another driver than docker');
    expect(() => profileDriverOptions('kube-pod', {}, { namespce: 'x' })).toThrow(/kube-pod has no option "namespce"/);
  });
});
