import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AgentConfigError, parseAgentConfig, parseStateEndpoint } from './config.js';

const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const files: Record<string, string> = { '/keys/agent': pem };
const io = {
  readFile: (path: string) => {
    const content = files[path];
    if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return Buffer.from(content);
  },
};

const HOST_KEY = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';
const valid = {
  PREEVY_TUNNEL_URL: 'ssh://tunnel.example.com:2222',
  PREEVY_TUNNEL_HOST_KEY: HOST_KEY,
  PREEVY_ENV_ID: 'pr-42',
  PREEVY_AGENT_KEY_FILE: '/keys/agent',
  COMPOSE_PROJECT: 'shop',
};

const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    parseAgentConfig(env, io);
  } catch (err) {
    if (err instanceof AgentConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('parseAgentConfig', () => {
  it('should read a complete configuration with defaults', () => {
    const config = parseAgentConfig(valid, io);
    expect(config).toMatchObject({
      server: { host: 'tunnel.example.com', port: 2222 },
      envId: 'pr-42',
      hostKey: HOST_KEY,
      project: 'shop',
      defaultAccess: 'public',
      state: { host: '127.0.0.1', port: 3033 },
      dockerSocketPath: '/var/run/docker.sock',
      logLevel: 'info',
    });
    expect(config.privateKey.toString()).toContain('BEGIN OPENSSH PRIVATE KEY');
  });

  it('should read the optional variables', () => {
    const config = parseAgentConfig(
      {
        ...valid,
        PREEVY_TUNNEL_URL: 'ssh://[::1]',
        PREEVY_DEFAULT_ACCESS: 'Private',
        PREEVY_AGENT_STATE_PORT: '4000',
        PREEVY_AGENT_STATE_HOST: '0.0.0.0',
        DOCKER_HOST: 'unix:///run/docker.sock',
        PREEVY_AGENT_NETWORKS: 'shop_default, shop_back',
        PREEVY_AGENT_SERVICE: 'preevy_agent',
      },
      io,
    );
    expect(config).toMatchObject({
      server: { host: '::1', port: 22 },
      defaultAccess: 'private',
      state: { host: '0.0.0.0', port: 4000 },
      dockerSocketPath: '/run/docker.sock',
      agentNetworks: ['shop_default', 'shop_back'],
      agentService: 'preevy_agent',
    });
  });

  it('should accept the key inline, as PEM or base64 of it', () => {
    expect(parseAgentConfig({ ...valid, PREEVY_AGENT_KEY_FILE: '', PREEVY_AGENT_KEY: pem }, io).privateKey.length).toBeGreaterThan(0);
    expect(parseAgentConfig({ ...valid, PREEVY_AGENT_KEY_FILE: '', PREEVY_AGENT_KEY: Buffer.from(pem).toString('base64') }, io).privateKey.length).toBeGreaterThan(0);
  });

  it('should report every missing required variable at once, by name', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(5);
    for (const name of ['PREEVY_TUNNEL_URL', 'PREEVY_ENV_ID', 'PREEVY_AGENT_KEY_FILE', 'PREEVY_TUNNEL_HOST_KEY', 'COMPOSE_PROJECT']) {
      expect(problems.some((p) => p.includes(name))).toBe(true);
    }
  });

  it('should refuse to run without a pinned host key, saying where the key comes from', () => {
    const { PREEVY_TUNNEL_HOST_KEY: _pin, ...unpinned } = valid;
    for (const env of [unpinned, { ...valid, PREEVY_TUNNEL_HOST_KEY: '  ' }]) {
      const problems = problemsOf(env);
      expect(problems).toEqual([expect.stringMatching(/^PREEVY_TUNNEL_HOST_KEY is required: the tunnel server's host key/)]);
      expect(problems[0]).toMatch(/preevy up.*pins/);
    }
  });

  it('should name the variable of each invalid value', () => {
    const problems = problemsOf({
      ...valid,
      PREEVY_TUNNEL_URL: 'https://tunnel.example.com',
      PREEVY_ENV_ID: 'PR_42',
      PREEVY_DEFAULT_ACCESS: 'open',
      PREEVY_AGENT_STATE_PORT: '70000',
      DOCKER_HOST: 'tcp://10.0.0.1:2375',
      PREEVY_TUNNEL_HOST_KEY: 'nonsense',
      PREEVY_LOG_LEVEL: 'loud',
    });
    expect(problems.map((p) => p.split(/[ =:]/)[0])).toEqual([
      'PREEVY_TUNNEL_URL',
      'PREEVY_ENV_ID',
      'PREEVY_TUNNEL_HOST_KEY',
      'PREEVY_DEFAULT_ACCESS',
      'PREEVY_AGENT_STATE_PORT',
      'DOCKER_HOST',
      'PREEVY_LOG_LEVEL',
    ]);
  });

  it('should report an unreadable or invalid key file without echoing its content', () => {
    expect(problemsOf({ ...valid, PREEVY_AGENT_KEY_FILE: '/keys/missing' })).toEqual([expect.stringMatching(/^PREEVY_AGENT_KEY_FILE=\/keys\/missing cannot be read: ENOENT/)]);
    files['/keys/bad'] = 'hunter2-not-a-key';
    const [problem] = problemsOf({ ...valid, PREEVY_AGENT_KEY_FILE: '/keys/bad' });
    expect(problem).toMatch(/PREEVY_AGENT_KEY_FILE \(\/keys\/bad\) does not hold a usable private key/);
    expect(problem).not.toContain('hunter2');
  });

  it('should refuse both key variables at once', () => {
    expect(problemsOf({ ...valid, PREEVY_AGENT_KEY: pem })).toEqual([expect.stringContaining('only one of PREEVY_AGENT_KEY_FILE and PREEVY_AGENT_KEY')]);
  });
});

describe('parseStateEndpoint', () => {
  it('should default to 127.0.0.1:3033 and honour the variables', () => {
    expect(parseStateEndpoint({})).toEqual({ host: '127.0.0.1', port: 3033, problems: [] });
    expect(parseStateEndpoint({ PREEVY_AGENT_STATE_PORT: '4100', PREEVY_AGENT_STATE_HOST: '0.0.0.0' })).toEqual({ host: '0.0.0.0', port: 4100, problems: [] });
    expect(parseStateEndpoint({ PREEVY_AGENT_STATE_PORT: 'x' }).problems).toEqual([expect.stringContaining('PREEVY_AGENT_STATE_PORT')]);
  });
});

describe('parseAgentConfig: environment info for the index page', () => {
  it('should read PREEVY_ENV_INFO through the protocol parser, dropping what it refuses', () => {
    const config = parseAgentConfig({ ...valid, PREEVY_ENV_INFO: JSON.stringify({ branch: 'feat', pullRequest: 3, pullRequestUrl: 'javascript:x' }) }, io);
    expect(config.envInfo).toEqual({ branch: 'feat', pullRequest: 3 });
    expect(parseAgentConfig(valid, io)).not.toHaveProperty('envInfo');
  });

  it('should refuse a PREEVY_ENV_INFO that is not a JSON object', () => {
    expect(problemsOf({ ...valid, PREEVY_ENV_INFO: 'feat' })).toEqual([expect.stringMatching(/^PREEVY_ENV_INFO must be a JSON object/)]);
  });
});

describe('parseAgentConfig idle scale-down', () => {
  it('should read the Deployment to scale to zero after the idle stop', () => {
    const c = parseAgentConfig({ ...valid, PREEVY_IDLE_STOP_CONTAINER: 'ws', PREEVY_IDLE_TIMEOUT_SECONDS: '15', PREEVY_IDLE_SCALE_DEPLOYMENT: 'ns-1/host-abc' }, io);
    expect(c.idleStop).toEqual({ container: 'ws', timeoutSeconds: 15, scaleDeployment: { namespace: 'ns-1', name: 'host-abc' } });
  });

  it('should refuse a malformed Deployment, or one without an idle container', () => {
    expect(problemsOf({ ...valid, PREEVY_IDLE_STOP_CONTAINER: 'ws', PREEVY_IDLE_TIMEOUT_SECONDS: '15', PREEVY_IDLE_SCALE_DEPLOYMENT: 'host-abc' }).join()).toMatch(/namespace\/name/);
    expect(problemsOf({ ...valid, PREEVY_IDLE_SCALE_DEPLOYMENT: 'ns/host' }).join()).toMatch(/needs PREEVY_IDLE_STOP_CONTAINER/);
  });
});
