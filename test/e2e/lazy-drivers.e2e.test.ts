import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN } from '../support/paths.js';
import { offlineEnv } from '../support/preevy-e2e.js';

const RECORDER = fileURLToPath(new URL('../support/import-recorder.mjs', import.meta.url));

// Drivers are imported when used: a command on the docker driver must not pay for the
// Kubernetes client (about 0.5 s and 80 MB).
describe('driver packages are loaded lazily (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-lazy-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Runs preevy and returns the exit code and every module URL it resolved. */
  const imports = async (name: string, args: string[]): Promise<{ exitCode: number; urls: string[] }> => {
    const file = join(root, `${name}.imports`);
    writeFileSync(file, '');
    const env = { ...offlineEnv(join(root, 'home')), PREEVY_TEST_IMPORTS_FILE: file };
    const res = await execFile(process.execPath, ['--import', RECORDER, CLI_BIN, ...args], { cwd: root, env });
    return { exitCode: res.exitCode, urls: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
  };
  // The driver's bundle carries the Kubernetes client inside it (one file: 0.25 s to load instead of 0.6 s).
  const kubeClient = (urls: string[]) => urls.filter((u) => u.includes('/@kubernetes/client-node/') || u.endsWith('/driver-kube-pod/dist/bundle.mjs'));

  const vmBundle = (urls: string[]) => urls.filter((u) => u.endsWith('/driver-vm/dist/bundle.mjs'));

  it('should not load @kubernetes/client-node nor the ssh driver for `ls` on the docker driver, nor for `up --help`', async () => {
    const ls = await imports('ls-docker', ['ls']);
    expect(ls.exitCode).toBe(0);
    // The recorder works, and start-up reads the CLI's and core's bundles, not their modules one by one.
    expect(new Set(ls.urls.filter((u) => u.endsWith('/cli/dist/bundle.cjs') || u.endsWith('/core/dist/bundle.cjs'))).size).toBe(2);
    expect(ls.urls.filter((u) => u.includes('/node_modules/zod/') || u.includes('/node_modules/@oclif/'))).toEqual([]);
    expect(kubeClient(ls.urls)).toEqual([]);
    expect(vmBundle(ls.urls)).toEqual([]);
    const help = await imports('up-help', ['up', '--help']);
    expect(kubeClient(help.urls)).toEqual([]);
    expect(vmBundle(help.urls)).toEqual([]);
  });

  it('should load the ssh driver for a command on it', async () => {
    const ls = await imports('ls-ssh', ['ls', '--driver', 'ssh']);
    expect(ls.exitCode).toBe(0);
    expect(vmBundle(ls.urls)).toHaveLength(1);
    expect(kubeClient(ls.urls)).toEqual([]);
  });

  it('should load it for a command on the kube-pod driver (the recorder sees it)', async () => {
    const ls = await imports('ls-kube', ['ls', '--driver', 'kube-pod', '--kube-pod-kubeconfig', join(root, 'missing-kubeconfig')]);
    expect(ls.exitCode).not.toBe(0);
    expect(kubeClient(ls.urls).length).toBeGreaterThan(0);
  });
});
