import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOpenSshEd25519 } from '@preevy/tunnel-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../errors.js';
import { hostPublicKeyLine, readHostKeyFile } from './host-key-file.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof AgentError ? err.code : `not an AgentError: ${String(err)}`;
  }
  return undefined;
};

describe('readHostKeyFile', () => {
  const { openssh } = generateOpenSshEd25519();
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-hostkey-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o602])('should refuse a key file with mode %s (group or others have access)', async (mode) => {
    const path = join(dir, `key-${mode.toString(8)}`);
    await writeFile(path, openssh);
    await chmod(path, mode);
    let error: unknown;
    try {
      readHostKeyFile(path);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe('WORKSPACE_HOST_KEY_PERMISSIONS');
    expect((error as AgentError).message).toContain(mode.toString(8));
    expect((error as AgentError).suggestions.join(' ')).toContain(`chmod 600 ${path}`);
    // The refusal happens before the key is read, so nothing of it can leak into the message.
    expect((error as AgentError).message).not.toContain('OPENSSH');
  });

  it('should read an owner-only key file and give its public half', async () => {
    const path = join(dir, 'key-600');
    await writeFile(path, openssh, { mode: 0o600 });
    await chmod(path, 0o600);
    const key = readHostKeyFile(path);
    expect(hostPublicKeyLine(key)).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+$/);
  });

  it('should say what is wrong with a missing path, a directory and a file that is not a key', async () => {
    expect(codeOf(() => readHostKeyFile(join(dir, 'absent')))).toBe('WORKSPACE_HOST_KEY_MISSING');
    expect(codeOf(() => readHostKeyFile(dir))).toBe('WORKSPACE_HOST_KEY_MISSING');
    const junk = join(dir, 'junk');
    await writeFile(junk, 'not a key', { mode: 0o600 });
    expect(codeOf(() => readHostKeyFile(junk))).toBe('WORKSPACE_HOST_KEY_INVALID');
  });

  it('should check permissions through the injected file system', () => {
    const io = { stat: () => ({ mode: 0o100644, isFile: () => true }), readFile: () => Buffer.from(openssh) };
    expect(codeOf(() => readHostKeyFile('/k', io))).toBe('WORKSPACE_HOST_KEY_PERMISSIONS');
    expect(codeOf(() => readHostKeyFile('/k', { ...io, stat: () => ({ mode: 0o100600, isFile: () => true }) }))).toBeUndefined();
  });
});
