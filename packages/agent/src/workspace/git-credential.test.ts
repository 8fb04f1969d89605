import { describe, expect, it } from 'vitest';
import type { AskLaptop } from './credential-client.js';
import { askLaptop } from './credential-client.js';
import { runDockerCredential } from './docker-credential.js';
import { runGitCredential, tokenAnswer } from './git-credential.js';

const TOKEN = 'protocol=https\nhost=example.test\nusername=x-access-token\npassword=ci-token\n';

const helper = async (argv: string[], stdin: string, ask: AskLaptop, tokenFile: string | undefined = undefined) => {
  let out = '';
  let err = '';
  const asked: Parameters<AskLaptop>[0][] = [];
  const code = await runGitCredential({
    argv,
    readStdin: () => Promise.resolve(stdin),
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    askLaptop: (req) => {
      asked.push(req);
      return ask(req);
    },
    readTokenFile: () => tokenFile,
  });
  return { code, out, err, asked };
};

const nothing: AskLaptop = () => Promise.resolve({ found: false });

describe('git-credential-preevy', () => {
  it('should answer get from the laptop, asking only where and who (never passing a password on)', async () => {
    const res = await helper(['get', '--token-file', '/t'], 'protocol=https\nhost=example.test\nusername=alice\npassword=guess\nwwwauth[]=Basic\n\n', () =>
      Promise.resolve({ found: true, git: { username: 'alice', password: 'from-laptop' } }), TOKEN);
    expect(res).toMatchObject({ code: 0, out: 'username=alice\npassword=from-laptop\n' });
    expect(res.asked).toEqual([{ kind: 'git', op: 'get', attributes: { protocol: 'https', host: 'example.test', username: 'alice' } }]);
  });

  it('should fall back to the token file for its host only, and say nothing otherwise', async () => {
    expect((await helper(['get', '--token-file', '/t'], 'protocol=https\nhost=example.test\n', nothing, TOKEN)).out).toBe('username=x-access-token\npassword=ci-token\n');
    expect((await helper(['get', '--token-file', '/t'], 'protocol=https\nhost=other.test\n', nothing, TOKEN)).out).toBe('');
    expect((await helper(['get', '--token-file', '/t'], 'protocol=http\nhost=example.test\n', nothing, TOKEN)).out).toBe('');
    expect((await helper(['get'], 'protocol=https\nhost=example.test\n', nothing, TOKEN)).out).toBe('');
    expect((await helper(['get', '--token-file', '/t'], 'protocol=https\nhost=example.test\n', nothing)).out).toBe('');
  });

  it('should pass store and erase to the laptop and ignore operations it does not know', async () => {
    const stored = await helper(['store'], 'protocol=https\nhost=example.test\nusername=alice\npassword=p\n', nothing);
    expect(stored).toMatchObject({ code: 0, out: '' });
    expect(stored.asked).toEqual([{ kind: 'git', op: 'store', attributes: { protocol: 'https', host: 'example.test', username: 'alice', password: 'p' } }]);
    const unknown = await helper(['capability'], 'host=example.test\n', nothing);
    expect(unknown).toMatchObject({ code: 0, out: '', asked: [] });
  });

  it('should match a token by username only when both name one', () => {
    expect(tokenAnswer(TOKEN, { protocol: 'https', host: 'example.test', username: 'bob' })).toBeUndefined();
    expect(tokenAnswer('host=example.test\npassword=t\n', { protocol: 'https', host: 'example.test', username: 'bob' })).toEqual({ username: 'bob', password: 't' });
  });
});

describe('docker-credential-preevy', () => {
  const run = async (argv: string[], stdin: string, ask: AskLaptop) => {
    let out = '';
    let err = '';
    const code = await runDockerCredential({ argv, readStdin: () => Promise.resolve(stdin), stdout: (t) => (out += t), stderr: (t) => (err += t), askLaptop: ask });
    return { code, out, err };
  };

  it('should answer get as docker expects, and "not found" without a session', async () => {
    expect(await run(['get'], 'registry.test\n', () => Promise.resolve({ found: true, docker: { username: 'bob', secret: 's' } }))).toEqual({ code: 0, err: '', out: '{"ServerURL":"registry.test","Username":"bob","Secret":"s"}\n' });
    expect(await run(['get'], 'registry.test\n', nothing)).toEqual({ code: 1, err: '', out: 'credentials not found in native keychain\n' });
  });

  it('should refuse store and keep nothing to list', async () => {
    expect((await run(['store'], '{}', nothing)).code).toBe(1);
    expect(await run(['list'], '', nothing)).toEqual({ code: 0, err: '', out: '{}\n' });
  });
});

describe('askLaptop', () => {
  it('should find nothing outside a workspace ssh session or when its port is closed', async () => {
    expect(await askLaptop({})({ kind: 'docker', op: 'get', serverUrl: 'r' })).toEqual({ found: false });
    // A port nothing listens on: the session is gone.
    expect(await askLaptop({ PREEVY_WORKSPACE_CREDENTIALS: `1:${'ab'.repeat(32)}` })({ kind: 'docker', op: 'get', serverUrl: 'r' })).toEqual({ found: false });
  });
});

describe('the agent command line', () => {
  it('should run the credential helper modes with stdin and the token file', async () => {
    const { runAgentCommand } = await import('../command.js');
    let out = '';
    const code = await runAgentCommand(['git-credential', 'get', '--token-file', '/token'], {
      env: {},
      stdout: (t) => (out += t),
      stderr: () => undefined,
      readFile: (path) => {
        if (path !== '/token') throw new Error('ENOENT');
        return Buffer.from(TOKEN);
      },
      waitForSignal: () => new Promise(() => undefined),
      readStdin: () => Promise.resolve('protocol=https\nhost=example.test\n\n'),
    });
    expect({ code, out }).toEqual({ code: 0, out: 'username=x-access-token\npassword=ci-token\n' });
    const docker = await runAgentCommand(['docker-credential', 'list'], { env: {}, stdout: (t) => (out = t), stderr: () => undefined, readFile: () => Buffer.from(''), waitForSignal: () => new Promise(() => undefined) });
    expect({ docker, out }).toEqual({ docker: 0, out: '{}\n' });
  });
});
