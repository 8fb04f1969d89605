import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, type ExecResult } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, labelledResources, offlineEnv } from '../support/preevy-e2e.js';
import { stopEmbeddedTunnelServer } from '@preevy/cli';

// How `up` fails, on the built binary: every failure exits non-zero with its code and a remedy,
// and leaves nothing that `down` cannot remove.
describe('preevy up: bad input and faults (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-faults-'));
  const project = join(root, 'hello');
  const home = join(root, 'home');
  const prefix = `f-${randomBytes(3).toString('hex')}`;
  const used: string[] = [];
  const idFor = (name: string): string => {
    used.push(`${prefix}-${name}`);
    return `${prefix}-${name}`;
  };
  const env: NodeJS.ProcessEnv = {
    ...offlineEnv(home),
  };
  const preevy = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<ExecResult> =>
    execFile(process.execPath, [CLI_BIN, ...args], { cwd: project, env: { ...env, ...extraEnv }, timeoutMs: 240_000 });
  const labelled = labelledResources;
  const recorded = async (envId: string): Promise<boolean> => {
    const res = await preevy(['ls', '--json']);
    return (JSON.parse(res.stdout) as Array<{ envId: string }>).some((e) => e.envId === envId);
  };
  /** The failure as the user reads it: the exit code, the error code and at least one remedy. */
  const expectFailure = (res: ExecResult, { exitCode, code }: { exitCode: number; code: string }): void => {
    expect(res.exitCode, res.stderr).toBe(exitCode);
    expect(res.stderr).toContain(`Code: ${code}`);
    expect(res.stderr).toMatch(/Try this:\n {4}- \S/);
  };

  beforeAll(async () => {
    cpSync(join(REPO_ROOT, 'examples/hello'), project, { recursive: true });
    Object.assign(env, { WEB_PORT: String(await freePort()), API_PORT: String(await freePort()) });
  });

  afterAll(async () => {
    for (const id of used) await preevy(['down', '--id', id]);
    await stopEmbeddedTunnelServer(home);
    rmSync(root, { recursive: true, force: true });
  });

  it('should refuse a compose file with a YAML syntax error, naming the file, creating nothing', async () => {
    const envId = idFor('yaml');
    writeFileSync(join(project, 'broken.yaml'), 'services:\n  web:\n    image: x\n   ports: [1\n');
    const res = await preevy(['up', '-f', 'broken.yaml', '--id', envId]);
    expectFailure(res, { exitCode: 3, code: 'COMPOSE_YAML_INVALID' });
    expect(res.stderr).toContain('broken.yaml');
    expect(await labelled(envId)).toEqual([]);
    expect(await recorded(envId)).toBe(false);
  });

  it('should fail with COMPOSE_UP_FAILED when a service does not build, and down should remove what was created', async () => {
    const envId = idFor('build');
    mkdirSync(join(project, 'broken'));
    writeFileSync(join(project, 'broken', 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN false\n');
    writeFileSync(join(project, 'compose.broken.yaml'), 'services:\n  broken:\n    build:\n      context: ./broken\n      args:\n        BASE_IMAGE: ${BASE_IMAGE}\n');
    const res = await preevy(['up', '-f', 'compose.yaml', '-f', 'compose.broken.yaml', '--id', envId]);
    expectFailure(res, { exitCode: 3, code: 'COMPOSE_UP_FAILED' });
    expect(res.stderr).toContain(`preevy down --id ${envId}`);
    const down = await preevy(['down', '--id', envId]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await labelled(envId)).toEqual([]);
    expect(await recorded(envId)).toBe(false);
  });

  it('should fail with DOCKER_UNREACHABLE for a Docker host that does not answer, creating nothing', async () => {
    const envId = idFor('nohost');
    const res = await preevy(['up', '--docker-host', 'unix:///nonexistent.sock', '--id', envId]);
    expectFailure(res, { exitCode: 6, code: 'DOCKER_UNREACHABLE' });
    expect(res.stderr).toContain('unix:///nonexistent.sock');
    expect(await labelled(envId)).toEqual([]);
    expect(await recorded(envId)).toBe(false);
  });

  it('should fail with PORT_IN_USE naming a published host port another process holds, and down should clean up', async () => {
    const envId = idFor('port');
    // Another process holds the port the project publishes.
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as AddressInfo;
    try {
      const res = await preevy(['up', '--id', envId], { WEB_PORT: String(port) });
      expectFailure(res, { exitCode: 5, code: 'PORT_IN_USE' });
      expect(res.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use (published by service web)`);
      expect(res.stderr).toContain(`Free port ${port}`);
    } finally {
      await new Promise((r) => taken.close(r));
    }
    const down = await preevy(['down', '--id', envId]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await labelled(envId)).toEqual([]);
  });

  it('should stop on Ctrl-C while starting services with INTERRUPTED, and up again should serve the URLs', async () => {
    const envId = idFor('sigint');
    const child = spawn(process.execPath, [CLI_BIN, 'up', '--id', envId], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Starting services') && !child.killed) child.kill('SIGINT');
    });
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain('Code: INTERRUPTED');
    expect(stderr).toContain('Run `preevy up` again');
    // compose was stopped with the CLI, not left running in the background.
    const compose = await execFile('pgrep', ['-f', `compose -p ${envId} `]);
    expect(compose.stdout.trim()).toBe('');

    const res = await preevy(['up', '--id', envId, '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const { urls } = JSON.parse(res.stdout) as { urls: Array<{ service: string; url: string }> };
    expect(urls.map((u) => u.service).sort()).toEqual(['api', 'web']);
    expect((await get(urls.find((u) => u.service === 'web')!.url)).body).toContain('hello from preevy');
    expect((await get(urls.find((u) => u.service === 'api')!.url)).status).toBe(200);
  });

  it('should fail with SERVICE_NOT_FOUND listing the services for an unknown service, creating nothing', async () => {
    const envId = idFor('nosuch');
    const res = await preevy(['up', 'nosuch', '--id', envId]);
    expectFailure(res, { exitCode: 3, code: 'SERVICE_NOT_FOUND' });
    expect(res.stderr).toContain('No service named nosuch');
    expect(res.stderr).toContain('Services: api, web.');
    expect(await labelled(envId)).toEqual([]);
    expect(await recorded(envId)).toBe(false);
  });
});
