import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toComposeModel } from '../compose/compose-model.js';
import type { ProcessResult } from '../process/process-runner.js';
import type { DockerCli } from '../up/agent-state-reader.js';
import { parseManifest } from './manifest.js';
import { bindSources, isLocalEngine, rewriteBindMounts, syncBindMounts, syncDirOf, syncVolumeName } from './sync-bind-mounts.js';

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

describe('syncBindMounts (with a stand-in docker)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-sync-unit-'));
    await writeFile(join(dir, 'a.txt'), 'first');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const siteModel = () => toComposeModel({ name: 'p', services: { web: { image: 'x', volumes: [{ type: 'bind', source: dir, target: '/www' }] } } }, { workingDir: dir, files: [] });
  const ok = (stdout = ''): ProcessResult => ({ exitCode: 0, stdout, stderr: '' });

  /** Answers every docker call like an empty host; `onRead` runs while the host's manifests are read, `onWrite` gets the archive. */
  const standIn =
    (onRead: () => Promise<void>, onWrite: (input: AsyncIterable<Uint8Array>) => Promise<ProcessResult>): DockerCli =>
    async (args, options = {}) => {
      if (args[0] === 'volume' && args[1] === 'inspect') return ok('/var/lib/docker/volumes/v/_data\n');
      if (args[0] === 'cp' && args[1] === '-') return onWrite(options.input as AsyncIterable<Uint8Array>);
      if (args[0] === 'cp') {
        await onRead();
        return { exitCode: 1, stdout: '', stderr: 'Error: Could not find the file /sync/.preevy in container x\n' };
      }
      return ok();
    };

  const entriesOf = async (input: AsyncIterable<Uint8Array>): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    const ex = extract();
    const reading = (async () => {
      for await (const entry of ex) {
        const parts: Buffer[] = [];
        for await (const c of entry) parts.push(c as Buffer);
        out[entry.header.name] = Buffer.concat(parts).toString();
      }
    })();
    for await (const c of input) ex.write(c);
    ex.end(null);
    await reading;
    return out;
  };

  it('should record in the host manifest the content that was sent, even if the file changed after it was hashed', async () => {
    let archive: Record<string, string> = {};
    const docker = standIn(
      () => writeFile(join(dir, 'a.txt'), 'other'), // same size, new content, after localManifest hashed it
      async (input) => {
        archive = await entriesOf(input);
        return ok();
      },
    );
    const res = await syncBindMounts({ model: siteModel(), envId: 'e', docker, labels: {} });
    const d = syncDirOf(dir);
    expect(res).toMatchObject({ sent: 1, bytes: 5 });
    expect(archive[`preevy-in/${d}/a.txt`]).toBe('other');
    expect(parseManifest(archive[`preevy-in/${d}.manifest`]!)['a.txt']!.sha256).toBe(createHash('sha256').update('other').digest('hex'));
  });

  it('should say when the host stopped reading the archive, with its stderr', async () => {
    const docker = standIn(async () => {}, async () => ({ exitCode: 2, stdout: '', stderr: 'tar: write error: No space left on device\n', inputCut: true }));
    const err = await syncBindMounts({ model: siteModel(), envId: 'e', docker, labels: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SYNC_FAILED', kind: 'unavailable' });
    expect((err as Error).message).toContain('the host stopped reading the files (exit code 2)');
    expect(String((err as Error).cause)).toContain('No space left on device');
  });
});
