import { describe, expect, it } from 'vitest';
import { renderProfile, renderProfileTable } from './render-profile.js';

describe('renderProfileTable', () => {
  it('should align the columns, mark the current profile and show unreadable profiles on their own line', () => {
    const table = renderProfileTable([
      { name: 'ci', current: false, driver: 'kube-pod', tunnelUrl: 'ssh+tls://t.example.com' },
      { name: 'default', current: true, driver: 'docker' },
      { name: 'old', current: false, problem: '/x/profile.json is corrupted' },
    ]);
    expect(table.split('\n')).toEqual([
      'NAME     CURRENT  DRIVER                                      TUNNEL',
      'ci                kube-pod                                    ssh+tls://t.example.com',
      'default  *        docker                                      (embedded local server)',
      'old               (unreadable: /x/profile.json is corrupted)',
    ]);
  });

  it('should say how to start when there are no profiles', () => {
    expect(renderProfileTable([])).toMatch(/preevy init/);
  });
});

describe('renderProfile', () => {
  it('should show settings and the public key, with typed option values readable', () => {
    const text = renderProfile({
      name: 'ci',
      current: true,
      driver: 'docker',
      driverOptions: { replicas: 2, spot: false, region: 'eu' },
      publicKey: 'ssh-ed25519 AAAA preevy-ci',
      clientId: 'abcdefghijkl',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
    });
    expect(text).toContain('name:       ci (current)');
    expect(text).toContain('options:    replicas=2, spot=false, region=eu');
    expect(text).toContain('tunnel:     (embedded local server)');
    expect(text).toContain('public key: ssh-ed25519 AAAA preevy-ci');
  });

  it('should show the tunnel server host key pin, or that the next up pins one', () => {
    const base = { name: 'ci', current: false, driver: 'docker', driverOptions: {}, publicKey: 'ssh-ed25519 AAAA', clientId: 'abcdefghijkl', createdAt: 'x', updatedAt: 'x' };
    expect(renderProfile(base)).not.toContain('host key');
    expect(renderProfile({ ...base, tunnelUrl: 'ssh://t.example.com' })).toContain('host key:   (not pinned yet: the next up pins the key the server shows)');
    expect(renderProfile({ ...base, tunnelUrl: 'ssh://t.example.com', tunnelHostKey: 'SHA256:abc' })).toContain('host key:   SHA256:abc');
  });
});
