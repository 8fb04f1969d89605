import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerTcpProxy, type DockerTcpProxy } from '../../../../test/support/docker-tcp-proxy.js';
import { toComposeModel, type ComposeModel } from '../compose/compose-model.js';
import { environmentLabels } from '@preevy/tunnel-protocol';
import { execFileRunner } from '../process/process-runner.js';
import type { RunOptions } from '../process/process-runner.js';
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
    const left = await execFileRunner('docker', ['volume', 'ls', '-q', '--filter', `label=dev.preevy.env-id=${envId}`]);
    await execFileRunner('docker', ['volume', 'rm', '--force', syncVolumeName(envId), ...left.stdout.split('\n').filter(Boolean)]);
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
    // The volume and the marker of what it holds, both labelled so `down` removes them.
    const labelled = await execFileRunner('docker', ['volume', 'ls', '-q', '--filter', `label=dev.preevy.env-id=${envId}`]);
    expect(labelled.stdout.trim().split('\n').sort()).toEqual([res.volume, expect.stringMatching(new RegExp(`^${res.volume}\\.state-[0-9a-f]{24}$`))]);
    // The mapped path is a real bind source on that engine.
    const bound = await docker(['run', '--rm', '-v', `${res.mapping[site]}:/www:ro`, IMAGE, 'cat', '/www/index.html']);
    expect(bound.stdout).toBe('<h1>one</h1>\n');
  });

  it('should send nothing when nothing changed, learning it from the marker without a helper container', async () => {
    const calls: string[][] = [];
    const recording: DockerCli = (args, options) => {
      calls.push([...args]);
      return docker(args, options);
    };
    expect(await syncBindMounts({ model, envId, docker: recording, labels, syncImage: IMAGE })).toMatchObject({ sent: 0, unchanged: 4, deleted: 0, bytes: 0 });
    expect(calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['volume ls']);
  });

  it('should not trust a marker another writer replaced: going back to earlier content sends it again', async () => {
    const before = await readFile(conf, 'utf8');
    await writeFile(conf, 'port=81\n');
    expect(await sync()).toMatchObject({ sent: 1 });
    // Like a second machine's `up` followed by this one's with the earlier files.
    await writeFile(conf, before);
    expect(await sync()).toMatchObject({ sent: 1 });
    expect(await inVolume(`cat /sync/${syncDirOf(conf)}/app.conf`)).toBe(before);
    expect(await sync()).toMatchObject({ sent: 0 });
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

  it('should keep links as links and paths longer than a tar header holds', async () => {
    const long = join(site, 'd'.repeat(90), 'e'.repeat(90), `${'f'.repeat(80)}.txt`);
    await mkdir(join(long, '..'), { recursive: true });
    await writeFile(long, 'deep\n');
    await symlink('index.html', join(site, 'home.html'));
    expect(await sync()).toMatchObject({ sent: 2, deleted: 0 });
    const d = `/sync/${syncDirOf(site)}`;
    expect(await inVolume(`readlink ${d}/home.html; cat ${d}/home.html ${d}/${long.slice(site.length + 1)}`)).toBe('index.html\n<h1>two</h1>\ndeep\n');
  });

  /** The real docker CLI, with a hook on the archive sent to the write helper (`docker cp - NAME:/`), given its name. */
  const withWriteHook = (hook: (name: string, sentBytes: number) => Promise<'cut' | void>): DockerCli => {
    return (args, options: Pick<RunOptions, 'input' | 'timeoutMs'> = {}) => {
      const input = options.input;
      if (args[0] !== 'cp' || args[1] !== '-' || !input || typeof input === 'string' || input instanceof Uint8Array) return docker(args, options);
      const name = args[2]!.split(':')[0]!;
      async function* hooked(): AsyncGenerator<Uint8Array> {
        let sent = 0;
        for await (const chunk of input as AsyncIterable<Uint8Array>) {
          yield chunk;
          sent += chunk.length;
          if ((await hook(name, sent)) === 'cut') return;
        }
      }
      return docker(args, { ...options, input: hooked() });
    };
  };

  it('should fail with SYNC_FILE_CHANGED when a file grows while it is sent, leaving the host as it was, and send the file on the next sync', async () => {
    const big = join(site, 'big.bin');
    await writeFile(big, Buffer.alloc(8 * 1024 * 1024, 1));
    let grown = false;
    const growing = withWriteHook(async (_name, sent) => {
      if (!grown && sent > 1024 * 1024) {
        grown = true;
        await appendFile(big, 'written meanwhile');
      }
    });
    const err = await syncBindMounts({ model, envId, docker: growing, labels, syncImage: IMAGE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SYNC_FILE_CHANGED' });
    expect((err as Error).message).toContain(big);
    // The failed sync changed nothing on the host (the archive is staged before anything is written): only big.bin goes again.
    expect(await sync()).toMatchObject({ sent: 1, unchanged: 5 });
    expect(await inVolume(`stat -c %s /sync/${syncDirOf(site)}/big.bin; tail -c 17 /sync/${syncDirOf(site)}/big.bin`)).toBe(`${8 * 1024 * 1024 + 17}\nwritten meanwhile`);
    expect(await sync()).toMatchObject({ sent: 0, deleted: 0 });
  });

  it('should say that the upload stopped mid-stream, with what docker said, and recover on the next sync', async () => {
    await writeFile(join(site, 'big.bin'), Buffer.alloc(32 * 1024 * 1024, 2));
    // Stands for a connection to the host that breaks mid-upload: the archive ends early.
    const dying = withWriteHook(async (_name, sent) => (sent > 1024 * 1024 ? 'cut' : undefined));
    const err = await syncBindMounts({ model, envId, docker: dying, labels, syncImage: IMAGE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SYNC_FAILED' });
    expect((err as Error).message).toMatch(/the host stopped reading the files|could not send the files/);
    expect(String((err as Error).cause)).toMatch(/EOF/i);
    expect(await sync()).toMatchObject({ sent: 1, unchanged: 5 });
    expect(await inVolume(`stat -c %s /sync/${syncDirOf(site)}/big.bin`)).toBe(`${32 * 1024 * 1024}\n`);
  });
});
