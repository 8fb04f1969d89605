import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerTcpProxy, type DockerTcpProxy } from '../../../../test/support/docker-tcp-proxy.js';
import { toComposeModel, type ComposeModel } from '../compose/compose-model.js';
import { environmentLabels } from '@preevy/tunnel-protocol';
import { execFileRunner } from '../process/process-runner.js';
import { dockerCli, type DockerCli } from '../up/agent-state-reader.js';
import { isLocalEngine, syncBindMounts, syncDirOf, syncVolumeName } from './sync-bind-mounts.js';

const IMAGE = 'preevy-test/busybox:latest';

// The "remote" engine is the local one reached over TCP: the sync must not rely on local paths.
describe('syncBindMounts (real engine over TCP)', () => {
  const envId = `int-sync-${randomBytes(3).toString('hex')}`;
  const labels = environmentLabels({ profileId: 'int-test', envId });
  let dir = '';
  let site = '';
  let conf = '';
  let proxy: DockerTcpProxy;
  let docker: DockerCli;
  let model: ComposeModel;
  const sync = () => syncBindMounts({ model, envId, docker, labels, syncImage: IMAGE });
  /** Runs a command in a helper container with the sync volume at /sync. */
  const inVolume = async (script: string): Promise<string> => {
    const res = await docker(['run', '--rm', '-v', `${syncVolumeName(envId)}:/sync`, IMAGE, 'sh', '-c', script]);
    expect(res.exitCode, res.stderr).toBe(0);
    return res.stdout;
  };

  beforeAll(async () => {
    proxy = await startDockerTcpProxy();
    docker = dockerCli(execFileRunner, proxy.dockerHost);
    dir = await mkdtemp(join(tmpdir(), 'preevy-sync-'));
    site = join(dir, 'site');
    conf = join(dir, 'app.conf');
    await mkdir(join(site, 'css'), { recursive: true });
    await writeFile(join(site, 'index.html'), '<h1>one</h1>\n');
    await writeFile(join(site, 'css', 'main.css'), 'body{}\n');
    await writeFile(join(site, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(site, 'run.sh'), 0o755);
    await writeFile(conf, 'port=80\n');
    model = toComposeModel(
      {
        name: 'sync',
        services: {
          web: {
            image: IMAGE,
            volumes: [
              { type: 'bind', source: site, target: '/www', read_only: true },
              { type: 'bind', source: conf, target: '/etc/app.conf' },
            ],
          },
        },
      },
      { workingDir: dir, files: [] },
    );
  });

  afterAll(async () => {
    await execFileRunner('docker', ['volume', 'rm', '--force', syncVolumeName(envId)]);
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should see the TCP endpoint as a remote engine', () => {
    expect(isLocalEngine(proxy.dockerHost)).toBe(false);
  });

  it('should copy directories and files into a labelled volume, with content and mode, and map each source into it', async () => {
    const res = await sync();
    expect(res).toMatchObject({ volume: syncVolumeName(envId), sent: 4, unchanged: 0, deleted: 0, bytes: 13 + 7 + 10 + 8 });
    const d = syncDirOf(site);
    const c = syncDirOf(conf);
    expect(await inVolume(`cat /sync/${d}/index.html /sync/${d}/css/main.css /sync/${c}/app.conf; stat -c %a /sync/${d}/run.sh`)).toBe('<h1>one</h1>\nbody{}\nport=80\n755\n');
    const mountpoint = (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', res.volume])).stdout.trim();
    expect(res.mapping).toEqual({ [site]: `${mountpoint}/${d}`, [conf]: `${mountpoint}/${c}/app.conf` });
    const labelled = await execFileRunner('docker', ['volume', 'ls', '-q', '--filter', `label=dev.preevy.env-id=${envId}`]);
    expect(labelled.stdout.trim()).toBe(res.volume);
    // The mapped path is a real bind source on that engine.
    const bound = await docker(['run', '--rm', '-v', `${res.mapping[site]}:/www:ro`, IMAGE, 'cat', '/www/index.html']);
    expect(bound.stdout).toBe('<h1>one</h1>\n');
  });

  it('should send nothing when nothing changed', async () => {
    expect(await sync()).toMatchObject({ sent: 0, unchanged: 4, deleted: 0, bytes: 0 });
  });

  it('should send only the changed file', async () => {
    await writeFile(join(site, 'index.html'), '<h1>two</h1>\n');
    expect(await sync()).toMatchObject({ sent: 1, unchanged: 3, deleted: 0 });
    expect(await inVolume(`cat /sync/${syncDirOf(site)}/index.html`)).toBe('<h1>two</h1>\n');
  });

  it('should delete on the host a file deleted locally', async () => {
    await unlink(join(site, 'css', 'main.css'));
    expect(await sync()).toMatchObject({ sent: 0, unchanged: 3, deleted: 1 });
    expect(await inVolume(`ls -R /sync/${syncDirOf(site)}`)).not.toContain('main.css');
    expect(await sync()).toMatchObject({ sent: 0, deleted: 0 });
  });
});
