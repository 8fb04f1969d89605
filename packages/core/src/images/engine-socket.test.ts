import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerDriver } from '../drivers/docker/docker-driver.js';
import { silentProgress } from '../progress.js';
import { engineGet, engineSocketPath, pingsOnSocket } from './engine-socket.js';

const config = (text: string | undefined) => ({ platform: 'linux' as const, home: '/home/u', readText: (p: string) => (p === '/home/u/.docker/config.json' ? text : undefined) });

describe('engineSocketPath', () => {
  it('should name the socket only when the docker CLI could reach nothing else', () => {
    expect(engineSocketPath(undefined, {}, config(undefined))).toBe('/var/run/docker.sock');
    expect(engineSocketPath(undefined, {}, config('{"currentContext":"default"}'))).toBe('/var/run/docker.sock');
    expect(engineSocketPath('unix:///run/user/1000/docker.sock', {}, config(undefined))).toBe('/run/user/1000/docker.sock');
    expect(engineSocketPath('tcp://10.0.0.1:2375', {}, config(undefined))).toBeUndefined();
    expect(engineSocketPath('ssh://me@host', {}, config(undefined))).toBeUndefined();
    expect(engineSocketPath(undefined, {}, config('{"currentContext":"desktop-linux"}'))).toBeUndefined();
    expect(engineSocketPath(undefined, { DOCKER_CONTEXT: 'remote' }, config(undefined))).toBeUndefined();
    expect(engineSocketPath(undefined, {}, config('{broken'))).toBeUndefined();
    expect(engineSocketPath(undefined, {}, { ...config(undefined), platform: 'win32' })).toBeUndefined();
  });
});

describe('engineGet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'preevy-engine-socket-'));
  const socket = join(dir, 'docker.sock');
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? 200 : 404;
      res.end(req.url === '/_ping' ? 'OK' : '{"message":"No such image"}');
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should give the status code, and undefined when nothing listens', async () => {
    expect(await engineGet(socket, '/_ping')).toBe(200);
    expect(await engineGet(socket, '/images/x/json')).toBe(404);
    expect(await engineGet(join(dir, 'missing.sock'), '/_ping')).toBeUndefined();
    expect(await pingsOnSocket(`unix://${socket}`)).toBe(true);
    expect(await pingsOnSocket(`unix://${join(dir, 'missing.sock')}`)).toBe(false);
    expect(await pingsOnSocket('tcp://127.0.0.1:1', async () => 200)).toBe(false);
  });

  it('should let the docker driver skip the CLI when the socket answers, and ask it otherwise', async () => {
    const calls: string[][] = [];
    const run = async (_file: string, args: readonly string[]) => {
      calls.push([...args]);
      return { exitCode: 1, stdout: '', stderr: 'Cannot connect to the Docker daemon' };
    };
    const request = { envId: 'e', profileId: 'p', labels: {}, progress: silentProgress };
    await createDockerDriver({ host: `unix://${socket}` }, run).ensureHost(request);
    expect(calls).toEqual([]);
    const down = createDockerDriver({ host: `unix://${join(dir, 'missing.sock')}` }, run);
    await expect(down.ensureHost(request)).rejects.toMatchObject({ code: 'DOCKER_UNREACHABLE' });
    expect(calls).toEqual([['version', '--format', '{{.Server.Version}}']]);
  });
});
