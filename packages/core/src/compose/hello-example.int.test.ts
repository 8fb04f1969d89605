import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { baseUriEnv } from './base-uri-env.js';
import { composeGlobalArgs, type ComposeRequest } from './compose-request.js';
import { loadComposeModel } from './load-compose-model.js';
import { execFileRunner } from '../process/index.js';
import { validatePreevyConfig } from './validate-preevy-config.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/hello/', import.meta.url));

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

// The example must build and become healthy offline, from the local test images.
describe('examples/hello', () => {
  const project = `preevy-hello-${randomBytes(4).toString('hex')}`;
  const env = { ...process.env, BASE_IMAGE: 'preevy-test/busybox:latest', NODE_IMAGE: 'preevy-test/node:20' };
  let request: ComposeRequest | undefined;
  const compose = (...args: string[]) => execFileRunner('docker', ['compose', ...composeGlobalArgs(request ?? {}), ...args], { cwd: EXAMPLE, env: { ...env, ...request?.env } });

  afterAll(async () => {
    if (request) await compose('down', '--volumes', '--rmi', 'local', '--timeout', '1');
  });

  it('should load as a valid preevy project and serve the site and the API once healthy', async () => {
    const [webPort, apiPort] = [await freePort(), await freePort()];
    const first = await loadComposeModel({ cwd: EXAMPLE, projectName: project, env: { WEB_PORT: String(webPort), API_PORT: String(apiPort) } }, { env });

    expect(first.files).toEqual([join(EXAMPLE, 'compose.yaml')]);
    expect(first.services.web).toMatchObject({ hasHealthcheck: true, build: { args: { BASE_IMAGE: 'preevy-test/busybox:latest' } } });
    expect(first.services.web?.volumes).toEqual([{ type: 'bind', source: join(EXAMPLE, 'site'), target: '/www', readOnly: true }]);
    expect(first.services.api).toMatchObject({ hasHealthcheck: true, build: { args: { NODE_IMAGE: 'preevy-test/node:20' } } });
    expect(validatePreevyConfig(first).config).toEqual({ access: 'public', services: { api: { expose: [3000] } } });

    const urls = baseUriEnv(Object.values(first.services), (service, port) => `https://${service}-${port}-hello.preview.test`);
    expect(urls).toEqual({ [`PREEVY_BASE_URI_WEB_${webPort}`]: 'https://web-80-hello.preview.test', [`PREEVY_BASE_URI_API_${apiPort}`]: 'https://api-3000-hello.preview.test' });

    // What the example reads: the URL of web's default published port.
    request = { cwd: EXAMPLE, projectName: project, env: { WEB_PORT: String(webPort), API_PORT: String(apiPort), PREEVY_BASE_URI_WEB_8080: 'https://web-80-hello.preview.test' } };
    const up = await compose('up', '--detach', '--build', '--wait');
    expect(up.exitCode, up.stderr).toBe(0);

    const site = await fetch(`http://127.0.0.1:${webPort}/`);
    expect(site.status).toBe(200);
    expect(await site.text()).toBe(await readFile(join(EXAMPLE, 'site', 'index.html'), 'utf8'));

    const api = await fetch(`http://127.0.0.1:${apiPort}/hello`);
    expect(await api.json()).toEqual({ service: 'api', message: 'hello from preevy', webUrl: 'https://web-80-hello.preview.test', path: '/hello' });
  });
});
