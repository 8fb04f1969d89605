import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN } from '../support/paths.js';

// The CLI keeps V8's compiled code of its two bundles between runs (bin/compile-cache.js).
describe('start-up compile cache (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-compile-cache-'));
  const cache = join(root, 'cache');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const preevy = (env: Record<string, string>) =>
    execFile(process.execPath, [CLI_BIN, 'env-id', '--id', 'My_Feature'], { cwd: root, env: { ...process.env, PREEVY_HOME: join(root, 'home'), NO_COLOR: '1', ...env } });
  const entries = () => readdirSync(cache).filter((f) => f.endsWith('.v8')).sort();

  it('should write one private entry per bundle, then run from it unchanged', async () => {
    const first = await preevy({ PREEVY_COMPILE_CACHE: cache });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(entries()).toHaveLength(2);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    for (const e of entries()) expect(statSync(join(cache, e)).mode & 0o777).toBe(0o600);
    const written = entries().map((e) => statSync(join(cache, e)).mtimeMs);

    const second = await preevy({ PREEVY_COMPILE_CACHE: cache });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    // Accepted by V8, so not written again.
    expect(entries().map((e) => statSync(join(cache, e)).mtimeMs)).toEqual(written);
  });

  it('should compile from source when an entry is garbage, and replace it', async () => {
    for (const e of entries()) writeFileSync(join(cache, e), 'not V8 code');
    const res = await preevy({ PREEVY_COMPILE_CACHE: cache });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe('my-feature');
    for (const e of entries()) expect(statSync(join(cache, e)).size).toBeGreaterThan(100_000);
  });

  it('should write nothing when turned off', async () => {
    const off = join(root, 'off');
    const res = await preevy({ PREEVY_COMPILE_CACHE: 'off', XDG_CACHE_HOME: off });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(() => readdirSync(off)).toThrow();
  });
});
