import { utils } from 'ssh2';
import { generateOpenSshEd25519 } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { sshAuth } from './ssh-auth.js';

// Our own encoder for the plain key: ssh2's generator now and then makes an ed25519 key it cannot parse back.
const plain = Buffer.from(generateOpenSshEd25519().openssh);
const encrypted = Buffer.from(utils.generateKeyPairSync('ed25519', { passphrase: 'secret', cipher: 'aes256-ctr', rounds: 4 }).private);
const files = (map: Record<string, Buffer>) => async (path: string) => map[path];

describe('sshAuth', () => {
  it('should offer only the explicit identity file when one is given (no agent, no default keys)', async () => {
    const auth = await sshAuth('me', { identityFile: '/keys/ci', env: { SSH_AUTH_SOCK: '/agent' }, home: '/home/me', read: files({ '/keys/ci': plain, '/home/me/.ssh/id_ed25519': plain }) });
    expect(auth.tried).toEqual(['/keys/ci']);
    expect(auth.methods).toEqual([{ type: 'publickey', username: 'me', key: plain }]);
  });

  it('should refuse a missing or encrypted explicit key, saying what to do', async () => {
    await expect(sshAuth('me', { identityFile: '/nope', read: files({}) })).rejects.toMatchObject({ code: 'SSH_IDENTITY_UNREADABLE' });
    await expect(sshAuth('me', { identityFile: '/enc', read: files({ '/enc': encrypted }) })).rejects.toThrow(/SSH identity file \/enc: .*passphrase/);
    await expect(sshAuth('me', { identityFile: '/enc', read: files({ '/enc': encrypted }) })).rejects.toMatchObject({ code: 'SSH_IDENTITY_UNUSABLE' });
  });

  it('should otherwise offer what ssh would: the agent, then the default keys that need no passphrase', async () => {
    const auth = await sshAuth('me', {
      env: { SSH_AUTH_SOCK: '/run/agent.sock' },
      home: '/home/me',
      read: files({ '/home/me/.ssh/id_ed25519': encrypted, '/home/me/.ssh/id_rsa': plain }),
    });
    expect(auth.tried).toEqual(['the ssh-agent at /run/agent.sock', '/home/me/.ssh/id_rsa']);
    expect(auth.methods.map((m) => m.type)).toEqual(['agent', 'publickey']);
  });

  it('should fail with a remedy when there is nothing to offer', async () => {
    await expect(sshAuth('me', { env: {}, home: '/home/me', read: files({}) })).rejects.toMatchObject({ code: 'SSH_NO_IDENTITY', kind: 'invalid-input' });
  });
});
