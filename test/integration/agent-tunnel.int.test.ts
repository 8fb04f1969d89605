import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateOpenSshEd25519 } from '@preevy/tunnel-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent, type AgentOptions } from '@preevy/agent';
import { generateHostKey, startTunnelServer, type RunningTunnelServer } from '@preevy/tunnel-server';
import { execFile } from '../support/exec-file.js';

// The whole tunnel path with real parts: a compose project on the real engine, the real agent
// discovering it through the Docker API, the real tunnel server, a real HTTP client.
describe('agent and tunnel server together', () => {
  const project = `preevy-at-${randomBytes(4).toString('hex')}`;
  const hostKey = generateHostKey();
  // Our generator: ssh2's own makes an Ed25519 key it cannot parse back about once in 300.
  const { openssh: agentKey } = generateOpenSshEd25519('agent-tunnel-test');
  const agentSockets: Socket[] = [];
  let dir = '';
  let server: RunningTunnelServer;
  let agent: Agent;
  let ports = { sshPort: 0, httpPort: 0 };
  const silent = pino({ level: 'silent' });

  const compose = (...args: string[]) => execFile('docker', ['compose', '-p', project, '--project-directory', dir, ...args], { cwd: dir });
  const startServer = (sshPort = 0, httpPort = 0) =>
    startTunnelServer({ baseUrl: new URL('http://it.test'), sshPort, httpPort, hostKey, logger: silent, limits: { aliveCheckTimeoutMs: 500 } });
  const urlOf = (service: string): string | undefined => agent.state().tunnels.find((t) => t.service === service && t.state === 'active')?.url;
  // fetch() will not send a Host header of our choosing, and tunnel names do not resolve here.
  const get = (url: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: ports.httpPort, headers: { Host: new URL(url).host }, agent: false, timeout: 3_000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString())).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy()).on('error', () => resolve({ status: 0, body: '' })).end();
    });
  const service = (name: string, body: string): string =>
    [`  ${name}:`, '    build: .', `    command: ["sh", "-c", "mkdir -p /www && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www"]`, '    ports:', '      - "127.0.0.1::8080"', ''].join('\n');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-at-'));
    await writeFile(join(dir, 'Dockerfile'), 'FROM preevy-test/busybox:latest\n');
    await writeFile(join(dir, 'compose.yaml'), `services:\n${service('web', 'web-body')}`);
    const up = await compose('up', '-d', '--build', '--wait');
    expect(up.exitCode, up.stderr).toBe(0);
    server = await startServer();
    ports = { sshPort: server.sshPort, httpPort: server.httpPort };
    agent = createAgent({
      server: { host: '127.0.0.1', port: server.sshPort },
      envId: 'it',
      privateKey: Buffer.from(agentKey),
      hostKey: hostKey.publicKey,
      project,
      defaultAccess: 'public',
      state: { host: '127.0.0.1', port: 0 },
      tunnel: {
        connectServer: (addr) => {
          const s = netConnect(addr);
          agentSockets.push(s);
          return s;
        },
      },
    });
    await agent.start();
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.close({ drainMs: 0 });
    if (dir) {
      await compose('down', '--volumes', '--rmi', 'local', '--timeout', '1');
      // `down --rmi` skips images of services whose containers were already removed (docs).
      const images = await execFile('docker', ['image', 'ls', '-q', '--filter', `reference=${project}-*`]);
      if (images.stdout.trim()) await execFile('docker', ['rmi', '-f', ...images.stdout.trim().split('\n')]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should publish a discovered compose service at its URL', async () => {
    await expect.poll(() => urlOf('web'), { timeout: 20_000 }).toMatch(/^http:\/\/web-8080-it-[a-z2-7]{12}\.it\.test$/);
    const res = await get(urlOf('web')!);
    expect(res).toEqual({ status: 200, body: 'web-body\n' });
  });

  it('should refuse to create an agent without the pinned host key of the server, opening no connection', async () => {
    await expect.poll(() => server.stats().sshClients, { timeout: 20_000 }).toBe(1);
    const unpinned = { server: { host: '127.0.0.1', port: server.sshPort }, envId: 'it-unpinned', privateKey: Buffer.from(agentKey), project, defaultAccess: 'public' as const, state: { host: '127.0.0.1', port: 0 } };
    expect(() => createAgent(unpinned as AgentOptions)).toThrow(expect.objectContaining({ code: 'HOST_KEY_REQUIRED' }));
    await new Promise((r) => setTimeout(r, 300));
    expect(server.stats().sshClients).toBe(1);
  });

  it('should publish a service added later and drop one that is removed', async () => {
    await writeFile(join(dir, 'compose.yaml'), `services:\n${service('web', 'web-body')}${service('docs', 'docs-body')}`);
    expect((await compose('up', '-d', '--build', '--wait')).exitCode).toBe(0);
    await expect.poll(() => urlOf('docs'), { timeout: 20_000 }).toBeDefined();
    expect(await get(urlOf('docs')!)).toEqual({ status: 200, body: 'docs-body\n' });

    const docsUrl = urlOf('docs')!;
    expect((await compose('stop', '--timeout', '1', 'docs')).exitCode).toBe(0);
    expect((await compose('rm', '--force', 'docs')).exitCode).toBe(0);
    await expect.poll(async () => (await get(docsUrl)).status, { timeout: 20_000 }).toBe(404);
  });

  it('should take its names back after its connection is cut uncleanly', async () => {
    const url = urlOf('web')!;
    agentSockets.at(-1)!.destroy(); // no SSH goodbye: as if the network dropped
    await expect.poll(async () => (await get(url)).body, { timeout: 20_000 }).toBe('web-body\n');
    expect(urlOf('web')).toBe(url); // the same URL, not a new name
  });

  it('should serve the same URLs again after the tunnel server restarts', async () => {
    const url = urlOf('web')!;
    await server.close({ drainMs: 0 });
    const restartedAt = performance.now();
    server = await startServer(ports.sshPort, ports.httpPort);
    await expect.poll(async () => (await get(url)).body, { timeout: 30_000, interval: 50 }).toBe('web-body\n');
    const seconds = (performance.now() - restartedAt) / 1000;
    console.log(`tunnel server restart: ${url} served again ${seconds.toFixed(2)} s after the server came back`);
    expect(urlOf('web')).toBe(url);
  });
});
