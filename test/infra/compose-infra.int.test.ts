import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';

// Proves the offline infrastructure is real: the local engine, Compose v2 and the busybox image
// serve an HTTP response on a port published on 127.0.0.1 only.
describe('offline test infrastructure', () => {
  const body = `preevy-${randomBytes(8).toString('hex')}`;
  const project = `preevy-infra-${randomBytes(4).toString('hex')}`;
  let dir = '';
  const compose = (...args: string[]) => execFile('docker', ['compose', '-p', project, '--project-directory', dir, ...args], { cwd: dir });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-infra-'));
    await writeFile(join(dir, 'index.html'), body);
    await writeFile(
      join(dir, 'Dockerfile'),
      ['FROM preevy-test/busybox:latest', 'COPY index.html /www/index.html', 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]', ''].join('\n'),
    );
    await writeFile(
      join(dir, 'compose.yaml'),
      ['services:', '  web:', '    build: .', '    ports:', '      - "127.0.0.1::8080"', ''].join('\n'),
    );
  });

  afterAll(async () => {
    if (dir) {
      await compose('down', '--volumes', '--rmi', 'local', '--timeout', '1');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should build a FROM-scratch busybox service with Compose v2 and serve the written body on 127.0.0.1', async () => {
    const up = await compose('up', '--detach', '--build', '--wait');
    expect(up.exitCode, up.stderr).toBe(0);

    const port = await compose('port', 'web', '8080');
    expect(port.exitCode, port.stderr).toBe(0);
    const published = port.stdout.trim();
    expect(published).toMatch(/^127\.0\.0\.1:\d+$/);

    const res = await fetch(`http://${published}/index.html`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(body);
  });
});
