import { describe, expect, it } from 'vitest';
import { shellWord, sshConfigBlock, sshHostAlias } from './workspace-ssh.js';
import { workspaceIds, workspaceNameOf } from './workspace-names.js';
import { agentCommand } from './workspace-runtime.js';

describe('workspace names', () => {
  it('should make a DNS-label name from a folder path or a name, and an env id of its own prefix', () => {
    expect(workspaceIds('/home/me/My_Repo')).toEqual({ name: 'my-repo', envId: 'ws-my-repo', volume: 'preevy-ws-my-repo' });
    expect(workspaceIds('x'.repeat(60)).envId.length).toBeLessThanOrEqual(40);
    expect(workspaceNameOf('ws-my-repo')).toBe('my-repo');
    expect(workspaceNameOf('feature-1')).toBeUndefined();
  });
});

describe('ssh config', () => {
  it('should pin the key through its own known_hosts and reach the workspace only through the proxy command', () => {
    const block = sshConfigBlock({ alias: sshHostAlias('w', 'default'), user: 'node', proxyCommand: 'preevy workspace stdio w', knownHostsFile: '/h/known_hosts' });
    expect(block).toContain('Host w.preevy\n');
    expect(block).toContain('  ProxyCommand preevy workspace stdio w\n');
    expect(block).toContain('  StrictHostKeyChecking yes\n');
    expect(block).toContain('  UserKnownHostsFile "/h/known_hosts"\n');
    expect(sshHostAlias('w', 'ci')).toBe('w.ci.preevy');
  });

  it('should quote shell words only when needed', () => {
    expect(shellWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellWord("/a b/it's")).toBe("'/a b/it'\\''s'");
  });
});

describe('agentCommand', () => {
  it('should run the bundle through the runtime loader, its checksum first', () => {
    const cmd = agentCommand({ dir: '/.preevy/v1', agentSha256: 'ab' }, ['workspace-ssh']);
    expect(cmd.slice(0, 4)).toEqual(['/.preevy/v1/lib/ld.so', '--library-path', '/.preevy/v1/lib', '/.preevy/v1/node']);
    expect(cmd.slice(-4)).toEqual(['--', 'ab', '/.preevy/v1/agent.mjs', 'workspace-ssh']);
  });
});
