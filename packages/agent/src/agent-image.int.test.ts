// The agent image, built from templates/agent/Dockerfile on a local base, run for real: a
// container with the Docker socket publishes a compose project's service through a real ssh2
// server on loopback (the container shares the host's network to reach it), serves its state
// to `docker exec <agent> preevy-agent state`, and exits 0 on `docker stop`.
import { execFile as execFileCb } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AGENT_STATE_FILE } from '@preevy/tunnel-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerSocketPath } from './docker-engine-client.js';
import { agentBundlePath, stageAgentImageContext } from './image-context.js';
import type { AgentState } from './state-server.js';
import { generateSshKey, requestThroughTunnel, startFakeServer, waitFor, type FakeServer } from './testing/fake-tunnel-server.js';

const execFileP = promisify(execFileCb);
/** Runs a program and resolves with its output and exit code, also when it fails. */
const run = async (file: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
  try {
    const { stdout, stderr } = await execFileP(file, args, { env, timeout: 180_000, maxBuffer: 32 * 1024 * 1024 });
    return { stdout, stderr, exitCode: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string };
    if (typeof e.code !== 'number') throw err;
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', exitCode: e.code };
  }
};

const BUNDLE_SCRIPT = fileURLToPath(new URL('../../../scripts/bundle-node.mjs', import.meta.url));
// The same flags as `npm run bundle -w @preevy/agent` (scripts/bundle-agent.mjs): node-pty stays external.
const BUNDLE_ARGS = ['packages/agent/src/main.ts', 'packages/agent/dist/agent.mjs', '--external:@lydell/node-pty'];
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

describe('agent image', () => {
  const suffix = randomBytes(4).toString('hex');
  const image = `preevy-test/agent-it:${suffix}`;
  const project = `preevy-agent-img-${suffix}`;
  const agentContainer = `preevy-agent-it-${suffix}`;
  const envId = `it-${suffix}`;
  const key = generateSshKey();
  let contextDir = '';
  let projectDir = '';
  let server: FakeServer | undefined;
  let bundleHash = '';

  const compose = (...args: string[]) => run('docker', ['compose', '-p', project, '--project-directory', projectDir, ...args]);

  beforeAll(async () => {
    const bundle = await run(process.execPath, [BUNDLE_SCRIPT, ...BUNDLE_ARGS]);
    expect(bundle.exitCode, bundle.stderr).toBe(0);
    bundleHash = await sha256(agentBundlePath());

    contextDir = await stageAgentImageContext(await mkdtemp(join(tmpdir(), 'preevy-agent-image-')));
    // The legacy builder: BuildKit would try to pull its frontend, and no registry is reachable.
    const build = await run('docker', ['build', '--build-arg', 'BASE_IMAGE=preevy-test/node:20', '-t', image, contextDir], { ...process.env, DOCKER_BUILDKIT: '0' });
    expect(build.exitCode, build.stderr).toBe(0);

    projectDir = await mkdtemp(join(tmpdir(), 'preevy-agent-img-project-'));
    await writeFile(join(projectDir, 'index.html'), `served by ${project}`);
    await writeFile(join(projectDir, 'Dockerfile'), ['FROM preevy-test/busybox:latest', 'COPY index.html /www/index.html', 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]', ''].join('\n'));
    await writeFile(join(projectDir, 'compose.yaml'), ['services:', '  web:', '    build: .', '    ports: ["127.0.0.1::8080"]', ''].join('\n'));
    const up = await compose('up', '--detach', '--build', '--wait');
    expect(up.exitCode, up.stderr).toBe(0);
  });

  afterAll(async () => {
    await run('docker', ['rm', '--force', agentContainer]);
    await server?.close();
    if (projectDir) {
      await compose('down', '--volumes', '--rmi', 'local', '--timeout', '1');
      await rm(projectDir, { recursive: true, force: true });
    }
    await run('docker', ['image', 'rm', '--force', image]);
    if (contextDir) await rm(contextDir, { recursive: true, force: true });
  });

  it('should bundle deterministically, so the image can be tagged by content hash', async () => {
    const again = await run(process.execPath, [BUNDLE_SCRIPT, ...BUNDLE_ARGS]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await sha256(agentBundlePath())).toBe(bundleHash);
  });

  it('should exit non-zero with a clear message naming the variables when started without configuration', async () => {
    const res = await run('docker', ['run', '--rm', image]);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain('invalid agent configuration');
    for (const name of ['PREEVY_TUNNEL_URL', 'PREEVY_TUNNEL_HOST_KEY', 'PREEVY_ENV_ID', 'PREEVY_AGENT_KEY_FILE', 'COMPOSE_PROJECT']) expect(res.stderr).toContain(name);
  });

  it('should publish a compose service through the tunnel, report it via `preevy-agent state` and exit 0 on docker stop', async () => {
    const srv = (server = await startFakeServer(key.publicBlob));
    const socket = dockerSocketPath(process.env.DOCKER_HOST);
    const started = await run('docker', [
      'run',
      '--detach',
      '--name',
      agentContainer,
      '--network',
      'host',
      '--volume',
      `${socket}:/var/run/docker.sock`,
      '--env',
      `PREEVY_TUNNEL_URL=ssh://127.0.0.1:${srv.port}`,
      '--env',
      `PREEVY_ENV_ID=${envId}`,
      '--env',
      `PREEVY_AGENT_KEY=${Buffer.from(key.pkcs8).toString('base64')}`,
      '--env',
      `PREEVY_TUNNEL_HOST_KEY=${srv.hostKeyFingerprint}`,
      '--env',
      `COMPOSE_PROJECT=${project}`,
      // Host network: any free loopback port, read back from the log.
      '--env',
      'PREEVY_AGENT_STATE_PORT=0',
      image,
    ]);
    expect(started.exitCode, started.stderr).toBe(0);

    const request = 'web-8080;access=public;service=web;port=8080';
    const conn = await waitFor('the agent to register web-8080', () => [...srv.forwards].find(([, f]) => f.has(request))?.[0], 30_000);
    const response = await requestThroughTunnel(conn, request, '/index.html');
    expect(response).toMatch(/^HTTP\/1\.[01] 200/);
    expect(response).toContain(`served by ${project}`);

    const logs = await run('docker', ['logs', agentContainer]);
    const lines = logs.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; state?: { port: number } });
    expect(logs.stdout).not.toContain(key.pkcs8.split('\n')[1]);
    const statePort = lines.find((l) => l.msg === 'agent started')?.state?.port;
    expect(statePort).toBeGreaterThan(0);

    let state: AgentState | undefined;
    await waitFor('the state to list the tunnel with its URL', async () => {
      const res = await run('docker', ['exec', '--env', `PREEVY_AGENT_STATE_PORT=${statePort}`, agentContainer, 'preevy-agent', 'state']);
      state = res.exitCode === 0 ? (JSON.parse(res.stdout) as AgentState) : undefined;
      return state?.tunnels[0]?.url !== undefined;
    }, 15_000);
    expect(state).toMatchObject({
      status: 'connected',
      envId,
      clientId: 'testclient01',
      tunnels: [{ service: 'web', port: 8080, access: 'public', state: 'active', url: `http://web-8080-${envId}-testclient01.localhost.test` }],
    });

    // The same state in the file a remote CLI copies out with one plain API call.
    const copied = await run('sh', ['-c', `docker cp ${agentContainer}:${AGENT_STATE_FILE} - | tar -x -O -f -`]);
    expect(JSON.parse(copied.stdout)).toEqual(state);

    const t0 = Date.now();
    const stop = await run('docker', ['stop', '--time', '10', agentContainer]);
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(7_000);
    const exit = await run('docker', ['inspect', '--format', '{{.State.ExitCode}}', agentContainer]);
    expect(exit.stdout.trim()).toBe('0');
    await waitFor('the server to see the agent go', () => srv.forwards.size === 0);
  });
});
