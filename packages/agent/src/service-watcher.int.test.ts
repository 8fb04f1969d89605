import { execFile as execFileCb } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LABELS } from '@preevy/tunnel-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredTunnel } from './discovery.js';
import { DockerEngineClient, dockerSocketPath } from './docker-engine-client.js';
import { ServiceWatcher } from './service-watcher.js';

const execFile = promisify(execFileCb);

// A real compose project on the local engine: the watcher must see its services come and go.
describe('ServiceWatcher against a real compose project', () => {
  const project = `preevy-agent-watch-${randomBytes(4).toString('hex')}`;
  let dir = '';
  let watcher: ServiceWatcher | undefined;
  const changes: DesiredTunnel[][] = [];

  const compose = async (...args: string[]) => execFile('docker', ['compose', '-p', project, '--project-directory', dir, ...args], { cwd: dir, timeout: 120_000 });

  const composeFile = (withWorker: boolean) =>
    [
      'services:',
      '  web:',
      '    build: .',
      '    ports: ["127.0.0.1::8080"]',
      '  admin:',
      '    build: .',
      '    labels: { preevy.expose: "8080", preevy.access: private }',
      '  agent:',
      '    build: .',
      '    command: ["sleep", "3600"]',
      `    labels: { ${LABELS.agent}: "true" }`,
      '    ports: ["127.0.0.1::3033"]',
      ...(withWorker ? ['  worker:', '    build: .', '    ports: ["127.0.0.1::8080"]'] : []),
      '',
    ].join('\n');

  const summary = () => (watcher?.current ?? []).map((t) => `${t.service}:${t.port}:${t.access}`);

  /** Polls until the watcher's list equals `expected`, failing with the last list after the deadline. */
  const waitForList = async (expected: string[], deadlineMs = 15_000) => {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until && JSON.stringify(summary()) !== JSON.stringify(expected)) await new Promise((r) => setTimeout(r, 100));
    expect(summary()).toEqual(expected);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-agent-watch-'));
    await writeFile(join(dir, 'index.html'), `hello from ${project}`);
    await writeFile(join(dir, 'Dockerfile'), ['FROM preevy-test/busybox:latest', 'COPY index.html /www/index.html', 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]', ''].join('\n'));
    await writeFile(join(dir, 'compose.yaml'), composeFile(false));
    await compose('up', '--detach', '--build', '--wait');
  });

  afterAll(async () => {
    await watcher?.stop();
    if (dir) {
      await compose('down', '--volumes', '--rmi', 'local', '--timeout', '1').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should list the published and exposed ports of the project, skipping the agent, with reachable targets', async () => {
    watcher = new ServiceWatcher({
      docker: new DockerEngineClient({ socketPath: dockerSocketPath(process.env.DOCKER_HOST) }),
      discovery: { project },
      onChange: (tunnels) => changes.push(tunnels),
    });
    watcher.start();
    await waitForList(['admin:8080:private', 'web:8080:public']);

    // The target is the container's address on the shared network: the agent dials it directly.
    const web = watcher.current?.find((t) => t.service === 'web');
    expect(web?.target.port).toBe(8080);
    const res = await fetch(`http://${web?.target.host}:${web?.target.port}/index.html`);
    expect(await res.text()).toBe(`hello from ${project}`);
  });

  it('should add a service started later within seconds', async () => {
    await writeFile(join(dir, 'compose.yaml'), composeFile(true));
    await compose('up', '--detach', '--build', '--wait', 'worker');
    await waitForList(['admin:8080:private', 'web:8080:public', 'worker:8080:public']);
  });

  it('should drop a stopped service within seconds and bring it back when it starts again', async () => {
    await compose('stop', '--timeout', '1', 'web');
    await waitForList(['admin:8080:private', 'worker:8080:public']);
    await compose('start', 'web');
    await waitForList(['admin:8080:private', 'web:8080:public', 'worker:8080:public']);
  });

  it('should report each distinct list once, not on every event', () => {
    const keys = changes.map((c) => JSON.stringify(c));
    for (let i = 1; i < keys.length; i += 1) expect(keys[i]).not.toBe(keys[i - 1]);
  });
});
