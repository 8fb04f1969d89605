import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateOpenSshEd25519 } from './openssh-key.js';
import { authorizedKeyLine } from './ssh-key.js';

describe('OpenSSH Ed25519 private keys', () => {
  it('should write keys that stock OpenSSH reads and derives the same public key from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'preevy-key-'));
    try {
      for (let i = 0; i < 20; i++) {
        const { openssh, publicKey } = generateOpenSshEd25519('t');
        const file = join(dir, `k${i}`);
        writeFileSync(file, openssh, { mode: 0o600 });
        const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
        expect(derived.split(' ').slice(0, 2).join(' ')).toBe(authorizedKeyLine(publicKey));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
