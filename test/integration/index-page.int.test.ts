import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, parseAgentConfig, type Agent } from '@preevy/agent';
import { envInfoFromEnv } from '@preevy/core';
import { generateHostKey, startTunnelServer, type RunningTunnelServer } from '@preevy/tunnel-server';
import { agentEnvironment, clientIdFromKey, envIndexLabel, generateOpenSshEd25519, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { execFile } from '../support/exec-file.js';
import { launchChromium } from '../support/headless-chromium.js';
import { REPO_ROOT } from '../support/paths.js';

// The page reviewers open, with real parts: a compose project on the real engine, the real agent
// configured through the same environment variables `up` writes, the real tunnel server on
// loopback, and Debian's chromium (JavaScript off) reading the page and following every link.
describe('the environment index page in a real browser', () => {
  const project = `preevy-ip-${randomBytes(4).toString('hex')}`;
  const envId = 'pr-7';
  const commit = 'c0ffee0123456789abcdef0123456789abcdef01';
  const hostKey = generateHostKey();
  const { openssh: agentKey, publicKey } = generateOpenSshEd25519('index-page-test');
  const clientId = clientIdFromKey(sshBlobFromEd25519Key(publicKey));
  const outDir = join(REPO_ROOT, 'test-output', 'index-page');
  let dir = '';
  let server: RunningTunnelServer;
  let agent: Agent | undefined;
  let git: Server;
  let browser: Browser;
  let context: BrowserContext;
  const gitRequests: string[] = [];
  const indexUrl = (): string => `http://${envIndexLabel({ envId, clientId })}.preview.localhost:${server.httpPort}/`;

  const compose = (...args: string[]) => execFile('docker', ['compose', '-p', project, '--project-directory', dir, ...args], { cwd: dir });
  const service = (name: string, body: string, labels: string[] = []): string =>
    [
      `  ${name}:`,
      '    build: .',
      `    command: ["sh", "-c", "mkdir -p /www && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www"]`,
      '    ports:',
      '      - "127.0.0.1::8080"',
      ...(labels.length ? ['    labels:', ...labels.map((l) => `      - "${l}"`)] : []),
      '',
    ].join('\n');

  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 800 } });
    await mkdir(outDir, { recursive: true });

    // Stands in for the Git host the CI links to: reviewers' links must lead somewhere that answers.
    git = createServer((req, res) => {
      gitRequests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>git host</h1>');
    });
    await new Promise<void>((r) => git.listen(0, '127.0.0.1', r));
    const gitPort = (git.address() as AddressInfo).port;

    dir = await mkdtemp(join(tmpdir(), 'preevy-ip-'));
    await writeFile(join(dir, 'Dockerfile'), 'FROM preevy-test/busybox:latest\n');
    await writeFile(join(dir, 'compose.yaml'), `services:\n${service('web', 'web-body')}${service('admin', 'admin-body', ['preevy.access=private'])}`);
    const up = await compose('up', '-d', '--build', '--wait');
    expect(up.exitCode, up.stderr).toBe(0);

    server = await startTunnelServer({ baseUrl: ({ httpPort }) => new URL(`http://preview.localhost:${httpPort}`), sshPort: 0, httpPort: 0, hostKey, logger: pino({ level: 'silent' }) });

    // What `up` computes in a GitHub pull request build, written and read as the agent contract.
    const eventPath = join(dir, 'event.json');
    await writeFile(eventPath, JSON.stringify({ number: 7, pull_request: { number: 7, head: { sha: commit } } }));
    const envInfo = await envInfoFromEnv({
      GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_HEAD_REF: 'feature/login',
      GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff', GITHUB_REPOSITORY: 'acme/shop', GITHUB_EVENT_PATH: eventPath, GITHUB_SERVER_URL: `http://git.localhost:${gitPort}`,
    });
    const env = agentEnvironment({
      tunnel: { host: '127.0.0.1', port: server.sshPort }, hostKey: hostKey.publicKey, envId, project, keyFile: '/run/secrets/key',
      defaultAccess: 'public', statePort: 0, agentService: 'preevy_agent', envInfo,
    });
    const { logLevel: _level, ...config } = parseAgentConfig(env, { readFile: () => Buffer.from(agentKey) });
    agent = createAgent(config);
    await agent.start();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await agent?.stop();
    await server?.close({ drainMs: 0 });
    await new Promise((r) => (git ? git.close(r) : r(undefined)));
    if (dir) {
      await compose('down', '--volumes', '--rmi', 'local', '--timeout', '1');
      const images = await execFile('docker', ['image', 'ls', '-q', '--filter', `reference=${project}-*`]);
      if (images.stdout.trim()) await execFile('docker', ['rmi', '-f', ...images.stdout.trim().split('\n')]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should show where the code came from, when it was deployed, and each service with its URL, access and state', async () => {
    await expect.poll(() => agent!.state().tunnels.filter((t) => t.state === 'active').length, { timeout: 20_000 }).toBe(2);
    const page = await context.newPage();
    // The agent sends its metadata right after its forwards: wait until the page has it.
    await expect.poll(async () => (await page.goto(indexUrl()), await page.locator('dl').innerText()), { timeout: 10_000 }).toContain('#7');
    const facts = await page.locator('dl').innerText();
    expect(facts).toMatch(/Repository\s+acme\/shop/);
    expect(facts).toMatch(/Branch\s+feature\/login/);
    expect(facts).toMatch(/Pull request\s+#7/);
    expect(facts).toMatch(/Commit\s+c0ffee012345/);
    expect(facts).toMatch(/Environment\s+pr-7/);
    expect(facts).toMatch(/Last deployed\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC \((just now|\d+ minutes? ago)\)/);

    const rows = await page.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(2);
    const [admin, web] = rows;
    expect(web).toMatch(new RegExp(`^web:8080\\s+http://web-8080-pr-7-${clientId}\\.preview\\.localhost:\\d+\\s+public\\s+connected$`));
    expect(admin).toMatch(/^admin:8080\s+\S+\s+private\s+Needs a signed link: preevy urls --id pr-7 --include-access-credentials\s+connected$/);

    const html = await page.content();
    expect(html).not.toMatch(/preevy_token|eyJ[A-Za-z0-9_-]{10,}/); // no share token, ever
    await page.screenshot({ path: join(outDir, 'index.png'), fullPage: true });
    await page.close();
  });

  it('should have every link answer, services through the tunnel server', async () => {
    const page = await context.newPage();
    await page.goto(indexUrl());
    // Resolved by the browser, as a click would go (no DOM types in this Node project: read the attribute).
    const links = await Promise.all((await page.locator('a').all()).map(async (a) => new URL((await a.getAttribute('href'))!, page.url()).href));
    expect(links.length).toBe(6); // repository, branch, pull request, commit, two services
    const answers: Record<string, { status: number; text: string }> = {};
    for (const href of links) {
      const res = await page.goto(href);
      answers[href] = { status: res?.status() ?? 0, text: await page.locator('body').innerText() };
    }
    const byHost = (prefix: string) => Object.entries(answers).find(([href]) => new URL(href).hostname.startsWith(prefix))![1];
    expect(byHost('web-8080')).toEqual({ status: 200, text: 'web-body' });
    expect(byHost('admin-8080').status).toBe(401); // private: the server's own page says how to get in
    expect(byHost('admin-8080').text).toContain('This preview is private');
    for (const [href, a] of Object.entries(answers).filter(([href]) => href.includes('git.localhost'))) expect(a, href).toEqual({ status: 200, text: 'git host' });
    expect(gitRequests.filter((p) => p !== '/favicon.ico').sort()).toEqual(['/acme/shop', `/acme/shop/commit/${commit}`, '/acme/shop/pull/7', '/acme/shop/tree/feature/login'].sort());
    await page.close();
  });

  it('should say the preview was removed once its agent is gone, unlike a host it never knew', async () => {
    await agent!.stop();
    agent = undefined;
    const page = await context.newPage();
    await expect.poll(async () => (await page.goto(indexUrl()))?.status(), { timeout: 10_000 }).toBe(410);
    expect(await page.locator('h1').innerText()).toBe('This preview was removed');
    expect(await page.locator('body').innerText()).toMatch(/Environment pr-7 was removed \d{4}-\d\d-\d\d \d\d:\d\d UTC \(just now\)/);
    expect(await page.locator('dl').innerText()).toMatch(/Pull request\s+#7/);
    await page.screenshot({ path: join(outDir, 'removed.png'), fullPage: true });

    const unknown = await page.goto(`http://pr-8-${clientId}.preview.localhost:${server.httpPort}/`);
    expect(unknown?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('No preview here');
    await page.close();
  });
});
