import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort, getViaLoopback as get, labelledResources } from '../support/preevy-e2e.js';

const QUICKSTART = join(REPO_ROOT, 'scripts/quickstart.sh');

// `npm run quickstart` as a new user runs it. The machine's engine is shared and must not be
// stopped, so the fresh-machine path is driven through the script's inputs: an engine socket that
// does not answer, an empty Docker config (no Compose plugin), a registry URL on a closed loopback
// port, and a runner that records the setup steps instead of running them.
describe('npm run quickstart', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-quickstart-'));
  const recorder = join(root, 'record-step.sh');
  const recorded = join(root, 'steps.log');
  writeFileSync(recorder, `#!/bin/sh\necho "$1 $2" >>"${recorded}"\n`);
  chmodSync(recorder, 0o755);
  const emptyDockerConfig = join(root, 'docker-config');
  mkdirSync(emptyDockerConfig);
  const osRelease = (id: string) => {
    const file = join(root, `os-release-${id}`);
    writeFileSync(file, `ID=${id}\nPRETTY_NAME="${id}"\n`);
    return file;
  };
  const quickstart = (env: NodeJS.ProcessEnv, args: string[] = []) =>
    execFile('bash', [QUICKSTART, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', PREEVY_QUICKSTART_BUILD: '0', ...env }, timeoutMs: 280_000 });
  const steps = () => (existsSync(recorded) ? readFileSync(recorded, 'utf8').trim().split('\n') : []);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('should decide to set up the engine, Compose and local images when nothing answers (root on Debian)', async () => {
    expect(process.getuid?.(), 'the setup path is for root; run the e2e tier as root as our machines do').toBe(0);
    rmSync(recorded, { force: true });
    const res = await quickstart({
      DOCKER_HOST: `unix://${join(root, 'no-engine.sock')}`,
      DOCKER_CONFIG: emptyDockerConfig,
      PREEVY_REGISTRY_PROBE_URL: `http://127.0.0.1:${await freePort()}/v2/`,
      PREEVY_OS_RELEASE: osRelease('debian'),
      PREEVY_SETUP_STEP_RUNNER: recorder,
    });
    expect(res.stderr).toContain('setting up what is missing here: docker compose images');
    // Each step says what it does and roughly how long it takes, and says when it is done.
    expect(res.stderr).toMatch(/step docker: Docker engine: .*\(about .* cold/);
    expect(res.stderr).toMatch(/step compose: Compose v2: .*cold/);
    // The same scripts `npm test` runs, in order; the images step waits for an engine that answers.
    expect(steps()).toEqual([`docker ${REPO_ROOT}test/infra/docker.sh`, `compose ${REPO_ROOT}test/infra/compose.sh`]);
    // The recorder started nothing, so the script checks again and stops loudly instead of going on.
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('the Docker engine still does not answer at unix://');
    expect(res.stderr).not.toContain('preevy up');
  });

  it('should say exactly what to install, and set up nothing, where it is not Debian', async () => {
    rmSync(recorded, { force: true });
    const res = await quickstart({
      DOCKER_HOST: `unix://${join(root, 'no-engine.sock')}`,
      DOCKER_CONFIG: emptyDockerConfig,
      PREEVY_REGISTRY_PROBE_URL: `http://127.0.0.1:${await freePort()}/v2/`,
      PREEVY_OS_RELEASE: osRelease('fedora'),
      PREEVY_SETUP_STEP_RUNNER: recorder,
    });
    expect(res.exitCode).toBe(1);
    expect(steps()).toEqual([]);
    expect(res.stderr).toContain('- a Docker engine: none answers at unix://');
    expect(res.stderr).toContain('- Compose v2 (2.20 or later) as a Docker CLI plugin');
    expect(res.stderr).toContain('- the base images busybox:1.36 node:20-bookworm-slim');
    expect(res.stderr).toContain('only as root on Debian, and this is not Debian (os-release ID=fedora)');
  });

  it('should run `preevy up` of examples/hello end to end on the real engine, then `down` cleans up', async () => {
    const home = join(root, 'home');
    const envId = `qs-${randomBytes(3).toString('hex')}`;
    const env: NodeJS.ProcessEnv = {
      PREEVY_HOME: home,
      // Other tests use the example's fixed host ports on this engine.
      WEB_PORT: String(await freePort()),
      API_PORT: String(await freePort()),
      // Offline here: the probe goes to a closed loopback port, never out of the machine.
      PREEVY_REGISTRY_PROBE_URL: `http://127.0.0.1:${await freePort()}/v2/`,
    };
    const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: join(REPO_ROOT, 'examples/hello'), env: { ...process.env, ...env }, timeoutMs: 120_000 });
    try {
      const res = await quickstart(env, ['--id', envId, '--json']);
      expect(res.exitCode, res.stderr).toBe(0);
      // The engine, Compose and the local base images are there: nothing to set up.
      expect(res.stderr).not.toContain('setting up what is missing');
      expect(res.stderr).toContain('no registry answers: using the locally built base images (preevy-test/busybox:latest, preevy-test/node:20)');
      const out = JSON.parse(res.stdout) as { envId: string; urls: Array<{ service: string; url: string }> };
      expect(out.envId).toBe(envId);
      const web = out.urls.find((u) => u.service === 'web');
      expect(web, res.stdout).toBeDefined();
      expect((await get(web!.url)).body).toContain('hello from preevy');
    } finally {
      const down = await preevy('down', '--id', envId);
      expect(down.exitCode, down.stderr).toBe(0);
      expect(await labelledResources(envId)).toEqual([]);
      const stop = await preevy('tunnel-server', 'stop');
      expect(stop.exitCode, stop.stderr).toBe(0);
      expect(stop.stdout).toContain('Stopped the embedded tunnel server');
    }
  });
});
