import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizedKeyLine, generateOpenSshEd25519, keyFingerprint, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAuthorizedKeys } from './authorized-keys.js';
import { TunnelServerError } from './tunnel-server-error.js';
import { rejectionOf } from '../../../test/support/rejection-of.js';

const rejection = (p: Promise<unknown>): Promise<TunnelServerError> =>
  rejectionOf(p, (err): err is TunnelServerError => err instanceof TunnelServerError, 'a TunnelServerError');

describe('readAuthorizedKeys', () => {
  let dir: string;
  let file: string;
  const { publicKey } = generateOpenSshEd25519();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-authorized-'));
    file = join(dir, 'authorized_keys');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should read the fingerprint of every key line, skipping comments and blank lines', async () => {
    await writeFile(file, `# CI runners\n\n${authorizedKeyLine(publicKey, 'ci@example')}\n`);
    expect([...(await readAuthorizedKeys(file))]).toEqual([keyFingerprint(sshBlobFromEd25519Key(publicKey))]);
  });

  it('should name the line that is not a key and say to fix or remove it', async () => {
    await writeFile(file, `${authorizedKeyLine(publicKey)}\nssh-ed25519 garbage\n`);
    const err = await rejection(readAuthorizedKeys(file));
    expect(err).toMatchObject({ code: 'AUTHORIZED_KEYS_INVALID', kind: 'invalid-input' });
    expect(err.message).toContain(`${file}:2`);
    expect(err.suggestions.join()).toContain(`Fix or remove line 2 of ${file}`);
  });

  it('should say the file cannot be read, and what to check, when it is missing', async () => {
    const err = await rejection(readAuthorizedKeys(join(dir, 'missing')));
    expect(err).toMatchObject({ code: 'AUTHORIZED_KEYS_UNREADABLE', kind: 'invalid-input' });
    expect(err.message).toContain('ENOENT');
    expect(err.suggestions.join()).toContain('Check the path');
  });
});
