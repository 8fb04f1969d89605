import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPinoLogger, EXIT, runAgentCommand, type CommandIo } from './command.js';

const io = (env: NodeJS.ProcessEnv = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const value: CommandIo = {
    env,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readFile: () => {
      throw new Error('ENOENT');
    },
    waitForSignal: () => new Promise(() => undefined),
  };
  return { io: value, out, err };
};

describe('runAgentCommand', () => {
  it('should print usage for help', async () => {
    const { io: i, out } = io();
    expect(await runAgentCommand(['help'], i)).toBe(EXIT.ok);
    expect(out.join('')).toContain('Usage: preevy-agent');
  });

  it('should reject unknown commands and extra arguments with a usage error', async () => {
    const { io: i, err } = io();
    expect(await runAgentCommand(['deploy'], i)).toBe(EXIT.usage);
    expect(await runAgentCommand(['state', 'extra'], i)).toBe(EXIT.usage);
    expect(err.join('')).toContain('unexpected arguments');
  });

  it('should exit with the invalid-config code and name every missing variable when run without configuration', async () => {
    const { io: i, err } = io();
    expect(await runAgentCommand([], i)).toBe(EXIT.invalidConfig);
    const text = err.join('');
    for (const name of ['PREEVY_TUNNEL_URL', 'PREEVY_TUNNEL_HOST_KEY', 'PREEVY_ENV_ID', 'PREEVY_AGENT_KEY_FILE', 'COMPOSE_PROJECT']) expect(text).toContain(name);
  });

  it('should refuse to start without a pinned tunnel server host key, naming the variable and where it comes from', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { io: i, err } = io({ PREEVY_TUNNEL_URL: 'ssh://127.0.0.1:2222', PREEVY_ENV_ID: 'pr-1', PREEVY_AGENT_KEY: pem, COMPOSE_PROJECT: 'shop' });
    let loggerCreated = false;
    i.createLogger = () => {
      loggerCreated = true;
      throw new Error('the agent must not start');
    };
    expect(await runAgentCommand([], i)).toBe(EXIT.invalidConfig);
    expect(err.join('')).toMatch(/PREEVY_TUNNEL_HOST_KEY is required: the tunnel server's host key/);
    expect(loggerCreated).toBe(false);
  });

  it('should reject a bad state port before trying to read the state', async () => {
    const { io: i, err } = io({ PREEVY_AGENT_STATE_PORT: 'abc' });
    expect(await runAgentCommand(['state'], i)).toBe(EXIT.invalidConfig);
    expect(err.join('')).toContain('PREEVY_AGENT_STATE_PORT');
  });
});

describe('createPinoLogger', () => {
  it('should redact tokens, cookies and key material at any depth the shared list covers, and keep the rest', () => {
    const lines: string[] = [];
    const log = createPinoLogger('info', { write: (line: string) => void lines.push(line) });
    log.info({ token: 'tok-1', req: { headers: { authorization: 'Bearer tok-2', cookie: 'preevy-session=tok-3' } }, tunnel: { privateKey: 'PRIVATE' }, hostKey: 'ssh-ed25519 AAAA' }, 'visitor');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({
      msg: 'visitor',
      token: '[redacted]',
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } },
      tunnel: { privateKey: '[redacted]' },
      hostKey: 'ssh-ed25519 AAAA',
    });
    expect(lines[0]).not.toMatch(/tok-\d|PRIVATE/);
  });
});

describe('runAgentCommand workspace-ssh', () => {
  it('should refuse to serve without a host key file, naming the flag and the variable, and never touch stdout', async () => {
    const { io: i, out, err } = io();
    let opened = false;
    i.openStdio = () => {
      opened = true;
      throw new Error('must not open stdio');
    };
    expect(await runAgentCommand(['workspace-ssh'], i)).toBe(EXIT.usage);
    expect(err.join('')).toMatch(/--host-key FILE or PREEVY_WORKSPACE_HOST_KEY_FILE/);
    expect(out.join('')).toBe('');
    expect(opened).toBe(false);
  });

  it('should reject unknown flags with usage', async () => {
    const { io: i, err } = io();
    i.openStdio = () => {
      throw new Error('must not open stdio');
    };
    expect(await runAgentCommand(['workspace-ssh', '--bogus'], i)).toBe(EXIT.usage);
    expect(err.join('')).toContain('Usage: preevy-agent workspace-ssh');
  });

  it('should refuse a host key file with loose permissions with its code and remedy', async () => {
    const { io: i, err } = io({ PREEVY_WORKSPACE_HOST_KEY_FILE: '/etc/passwd' });
    i.openStdio = () => {
      throw new Error('must not open stdio');
    };
    expect(await runAgentCommand(['workspace-ssh'], i)).toBe(EXIT.invalidConfig);
    expect(err.join('')).toMatch(/readable or writable by group or others[\s\S]*hint: Restrict it to its owner/);
  });
});
