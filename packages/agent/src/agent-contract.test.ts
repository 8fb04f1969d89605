import { agentEnvironment, generateOpenSshEd25519, type AgentSettings } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from './config.js';

// What core writes on the agent service (tunnel-protocol's agentEnvironment) is what the agent reads.
describe('the agent contract, written by core and read by the agent', () => {
  const { openssh } = generateOpenSshEd25519();
  const settings = (over: Partial<AgentSettings> = {}): AgentSettings => ({
    tunnel: { host: 'tunnel.example.com', port: 2222 },
    hostKey: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
    envId: 'shop-pr-12',
    project: 'shop-pr-12',
    keyFile: '/run/secrets/preevy_agent_key',
    defaultAccess: 'private',
    statePort: 23456,
    agentService: 'preevy_agent',
    ...over,
  });
  const read = (s: AgentSettings) => parseAgentConfig(agentEnvironment(s), { readFile: () => Buffer.from(openssh) });

  it('should read back every setting', () => {
    expect(read(settings())).toMatchObject({
      server: { host: 'tunnel.example.com', port: 2222 },
      hostKey: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
      envId: 'shop-pr-12',
      project: 'shop-pr-12',
      defaultAccess: 'private',
      state: { port: 23456 },
      agentService: 'preevy_agent',
    });
  });

  it('should carry a tunnel server at an IPv6 address', () => {
    expect(read(settings({ tunnel: { host: '::1', port: 2222 } })).server).toEqual({ host: '::1', port: 2222 });
  });

  it('should carry the CI info for the index page, and none outside CI', () => {
    const envInfo = { branch: 'feat/x', pullRequest: 12, pullRequestUrl: 'https://github.com/o/r/pull/12', commit: 'abcdef0123456' };
    expect(read(settings({ envInfo })).envInfo).toEqual(envInfo);
    expect(read(settings())).not.toHaveProperty('envInfo');
  });

  it('should carry the activity file with or without a container idle stop (a machine idle stop reads it through lastActivityAt)', () => {
    const alone = read(settings({ activityFile: '/workspace-volume/.preevy/activity' }));
    expect(alone).toMatchObject({ activityFile: '/workspace-volume/.preevy/activity' });
    expect(alone).not.toHaveProperty('idleStop');
    expect(read(settings({ activityFile: '/a', idleStop: { container: 'c1', timeoutSeconds: 30 } }))).toMatchObject({ activityFile: '/a', idleStop: { container: 'c1', timeoutSeconds: 30 } });
  });
});
