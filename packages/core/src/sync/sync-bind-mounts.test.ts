import { describe, expect, it } from 'vitest';
import { toComposeModel } from '../compose/compose-model.js';
import { bindSources, isLocalEngine, rewriteBindMounts, syncDirOf, syncVolumeName } from './sync-bind-mounts.js';

const RAW = {
  name: 'probe',
  services: {
    web: {
      image: 'x',
      depends_on: { conf: { condition: 'service_started' } },
      volumes: [
        { type: 'bind', source: '/work/site', target: '/www', read_only: true, bind: { create_host_path: true } },
        { type: 'bind', source: '/work/nginx.conf', target: '/etc/nginx.conf' },
        { type: 'volume', source: 'data', target: '/data', volume: {} },
        { type: 'tmpfs', target: '/tmp' },
      ],
    },
    conf: { image: 'y', volumes: [{ type: 'bind', source: '/work/conf', target: '/conf' }] },
    other: { image: 'z', volumes: [{ type: 'bind', source: '/work/other', target: '/o' }] },
  },
};
const model = toComposeModel(RAW, { workingDir: '/work', files: [] });

describe('isLocalEngine', () => {
  it('should treat no DOCKER_HOST and unix sockets as local and anything else as remote', () => {
    expect(isLocalEngine(undefined)).toBe(true);
    expect(isLocalEngine('')).toBe(true);
    expect(isLocalEngine('unix:///var/run/docker.sock')).toBe(true);
    expect(isLocalEngine('tcp://127.0.0.1:2375')).toBe(false);
    expect(isLocalEngine('ssh://deploy@host')).toBe(false);
  });
});

describe('syncDirOf', () => {
  it('should map a path to the same short directory every time and different paths apart', () => {
    expect(syncDirOf('/work/site')).toBe(syncDirOf('/work/site'));
    expect(syncDirOf('/work/site')).toMatch(/^[0-9a-f]{16}$/);
    expect(syncDirOf('/work/site')).not.toBe(syncDirOf('/work/site2'));
    expect(syncVolumeName('pr-7')).toBe('preevy-sync-pr-7');
  });
});

describe('bindSources', () => {
  it('should list the bind sources of every service once, without named volumes or tmpfs', () => {
    expect(bindSources(model)).toEqual(['/work/conf', '/work/nginx.conf', '/work/other', '/work/site']);
  });

  it('should list only the deployed services and what they depend on', () => {
    expect(bindSources(model, ['web'])).toEqual(['/work/conf', '/work/nginx.conf', '/work/site']);
  });
});

describe('rewriteBindMounts', () => {
  const mapping = { '/work/site': '/var/lib/docker/volumes/v/_data/aaaa', '/work/nginx.conf': '/var/lib/docker/volumes/v/_data/bbbb/nginx.conf' };
  const out = rewriteBindMounts(RAW, mapping) as typeof RAW;

  it('should point synced directory and file mounts at their copies, keeping read_only and bind options', () => {
    expect(out.services.web.volumes[0]).toEqual({ type: 'bind', source: mapping['/work/site'], target: '/www', read_only: true, bind: { create_host_path: true } });
    expect(out.services.web.volumes[1]).toEqual({ type: 'bind', source: mapping['/work/nginx.conf'], target: '/etc/nginx.conf' });
  });

  it('should leave named volumes, tmpfs, unmapped binds and the input untouched', () => {
    expect(out.services.web.volumes.slice(2)).toEqual(RAW.services.web.volumes.slice(2));
    expect(out.services.conf).toEqual(RAW.services.conf);
    expect(RAW.services.web.volumes[0]!.source).toBe('/work/site');
    expect(out.name).toBe('probe');
  });
});
