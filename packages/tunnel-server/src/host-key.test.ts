import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateHostKey } from './host-key.js';
import { TunnelServerError } from './tunnel-server-error.js';
import { rejectionOf } from '../../../test/support/rejection-of.js';

const rejection = (p: Promise<unknown>): Promise<TunnelServerError> =>
  rejectionOf(p, (err): err is TunnelServerError => err instanceof TunnelServerError, 'a TunnelServerError');

describe('loadOrCreateHostKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-host-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should create the key once (mode 0600) and load the same key afterwards', async () => {
    const file = join(dir, 'keys', 'ssh_host_ed25519_key');
    const created = await loadOrCreateHostKey(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await loadOrCreateHostKey(file)).fingerprint).toBe(created.fingerprint);
  });

  it('should refuse an unusable key file with a typed error that says how to recover, leaving the file as it is', async () => {
    const file = join(dir, 'ssh_host_ed25519_key');
    await writeFile(file, 'not a key\n');
    const err = await rejection(loadOrCreateHostKey(file));
    expect(err).toMatchObject({ code: 'TUNNEL_HOST_KEY_INVALID', kind: 'invalid-input' });
    expect(err.message).toContain(file);
    expect(err.suggestions.join()).toContain(`delete ${file} to have a new key generated`);
    expect(await readFile(file, 'utf8')).toBe('not a key\n');
  });
});
