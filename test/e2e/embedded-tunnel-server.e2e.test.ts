import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMBEDDED_IDLE_ENV, embeddedPaths, ensureEmbeddedTunnelServer, stopEmbeddedTunnelServer } from '@preevy/cli';
import { LocalProfileStore } from '@preevy/core';
import { keyFingerprint } from '@preevy/tunnel-protocol';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN } from '../support/paths.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const answers = (adminPort: number): Promise<boolean> =>
  fetch(`http://127.0.0.1:${adminPort}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);

const stateOf = (home: string) => JSON.parse(readFileSync(embeddedPaths(home).stateFile, 'utf8')) as { pid: number; adminPort: number };

// The home's embedded server, started the way `up` starts it (the built binary, detached), with
// a short idle time; "an environment" is a record in the home's profile store.
describe('the embedded tunnel server lifecycle (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-embedded-'));
  const homes: string[] = [];
  const newHome = (name: string) => {
    const home = join(root, name);
    homes.push(home);
    return home;
  };
  const start = (home: string, idleSeconds: string) => ensureEmbeddedTunnelServer({ home, cliBin: CLI_BIN, env: { ...process.env, [EMBEDDED_IDLE_ENV]: idleSeconds } });

  afterAll(async () => {
    for (const home of homes) await stopEmbeddedTunnelServer(home);
    rmSync(root, { recursive: true, force: true });
  });

  it('should give two homes started at the same moment a server each, never the other home\'s', async () => {
    const [a, b] = [newHome('race-a'), newHome('race-b')];
    // Both prefer the same default ports: one loses the bind, and must not take the winner's server as its own.
    const [endA, endB] = await Promise.all([start(a, '600'), start(b, '600')]);
    expect(endA.hostKey).not.toBe(endB.hostKey);
    for (const [home, end] of [[a, endA], [b, endB]] as const) {
      const health = (await (await fetch(`http://127.0.0.1:${stateOf(home).adminPort}/healthz`)).json()) as { hostKey: string };
      expect(health.hostKey).toBe(keyFingerprint(Buffer.from(end.hostKey.split(' ')[1]!, 'base64')));
    }
    expect(new Set([endA.sshPort, endB.sshPort, stateOf(a).adminPort, stateOf(b).adminPort]).size).toBe(4);
  });

  it('should stop by itself once its home has had no environment for the idle time', async () => {
    const home = newHome('idle');
    await start(home, '2');
    const { pid, adminPort } = stateOf(home);
    expect(alive(pid) && (await answers(adminPort))).toBe(true);
    await expect.poll(() => alive(pid), { timeout: 20_000, interval: 250 }).toBe(false);
    expect(await answers(adminPort)).toBe(false);
    expect(readFileSync(embeddedPaths(home).log, 'utf8')).toContain('no environment left in this preevy home');
    // It forgot its state, so the next `up` starts a fresh server instead of reusing a dead one.
    expect(() => stateOf(home)).toThrow();
  });

  it('should keep running while an environment exists, and stop after its record is gone', async () => {
    const home = newHome('busy');
    const store = new LocalProfileStore({ env: { PREEVY_HOME: home } });
    const profile = await store.ensureDefaultProfile();
    await store.envs(profile.name).update('still-up', () => ({ envId: 'still-up', composeProject: 'p', driver: 'docker', status: 'up' }));
    await start(home, '1');
    const { pid, adminPort } = stateOf(home);
    // Five idle times with a live record: still serving.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(alive(pid)).toBe(true);
    expect(await answers(adminPort)).toBe(true);
    await store.envs(profile.name).remove('still-up');
    await expect.poll(() => alive(pid), { timeout: 20_000, interval: 250 }).toBe(false);
  });

  it('should stop now with `preevy tunnel-server stop`, leave no process, and say so only once', async () => {
    const home = newHome('stop');
    await start(home, '600');
    const { pid, adminPort } = stateOf(home);
    const env = { ...process.env, PREEVY_HOME: home, NO_COLOR: '1' };
    const first = await execFile(process.execPath, [CLI_BIN, 'tunnel-server', 'stop', '--json'], { env });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ wasRunning: true, pid, home });
    // `stop` returns after the process has exited, not merely after signalling it.
    expect(alive(pid)).toBe(false);
    expect(await answers(adminPort)).toBe(false);
    const again = await execFile(process.execPath, [CLI_BIN, 'tunnel-server', 'stop'], { env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain(`No embedded tunnel server was running for ${home}`);
  });
});
