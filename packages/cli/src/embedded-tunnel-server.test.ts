import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught } from '../../../test/support/preevy-error-of.js';
import { ensureEmbeddedTunnelServer } from './embedded-tunnel-server.js';

describe('ensureEmbeddedTunnelServer', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'preevy-embedded-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('should report an unusable host key file as a typed error with its remedy, before starting anything', async () => {
    const dir = join(home, 'tunnel-server');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'ssh_host_ed25519_key'), 'garbage');
    const err = await caught(ensureEmbeddedTunnelServer({ home, cliBin: '/nonexistent/preevy' }));
    expect(err).toMatchObject({ code: 'TUNNEL_HOST_KEY_INVALID', kind: 'invalid-input' });
    expect(err.suggestions.join()).toContain(`delete ${join(dir, 'ssh_host_ed25519_key')}`);
    // No server was spawned (it would have opened its log) and the lock was released.
    expect((await readdir(dir)).sort()).toEqual(['ssh_host_ed25519_key']);
  });
});
