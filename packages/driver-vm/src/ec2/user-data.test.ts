import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderUserData } from './user-data.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa7bW1sZ8y0V4Q0h3xwJv8t0H6cY8qQ0mZb2v5c1d2e preevy@profile';

describe('renderUserData', () => {
  it('should render cloud-config with the user and key, without the key comment', () => {
    const { text, hash } = renderUserData({ sshUser: 'preevy', publicKey: KEY });
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = parse(text) as { users: Array<{ name: string; ssh_authorized_keys: string[] }>; packages: string[]; runcmd: string[] };
    expect(doc.users[0]).toMatchObject({ name: 'preevy', ssh_authorized_keys: [KEY.split(' ').slice(0, 2).join(' ')] });
    expect(doc.packages).toContain('docker.io');
    expect(doc.runcmd).toContain('usermod -aG docker preevy');
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('should install the idle stop (script, service with the timeout, timer enabled) only with an inactivity timeout', () => {
    type Doc = { write_files?: Array<{ path: string; content: string }>; runcmd: string[] };
    const plain = parse(renderUserData({ sshUser: 'preevy', publicKey: KEY }).text) as Doc;
    expect(plain.write_files).toBeUndefined();
    expect(plain.runcmd.join('\n')).not.toContain('idle');
    const idle = parse(renderUserData({ sshUser: 'preevy', publicKey: KEY, inactivitySeconds: 900 }).text) as Doc;
    const file = (path: string) => idle.write_files!.find((f) => f.path === path)!.content;
    expect(file('/usr/local/sbin/preevy-idle-stop')).toMatch(/^#!\/bin\/sh\n[\s\S]*shutdown -h now/);
    expect(file('/etc/systemd/system/preevy-idle-stop.service')).toContain('Environment=PREEVY_IDLE_SECONDS=900\nEnvironment=PREEVY_AGENT_STATE_FILE=/tmp/preevy-agent-state.json');
    expect(idle.runcmd).toContain('systemctl enable --now preevy-idle-stop.timer');
    expect(renderUserData({ sshUser: 'preevy', publicKey: KEY, inactivitySeconds: 900 }).hash).not.toBe(renderUserData({ sshUser: 'preevy', publicKey: KEY }).hash);
    expect(() => renderUserData({ sshUser: 'preevy', publicKey: KEY, inactivitySeconds: 0 })).toThrow(expect.objectContaining({ code: 'EC2_USER_DATA_INVALID' }));
  });

  it('should give another hash for another user, and the same for the same input', () => {
    expect(renderUserData({ sshUser: 'preevy', publicKey: KEY }).hash).toBe(renderUserData({ sshUser: 'preevy', publicKey: KEY }).hash);
    expect(renderUserData({ sshUser: 'admin', publicKey: KEY }).hash).not.toBe(renderUserData({ sshUser: 'preevy', publicKey: KEY }).hash);
  });

  it.each([
    ['a user that would break the YAML', { sshUser: 'x: [y]', publicKey: KEY }],
    ['a key with a newline', { sshUser: 'preevy', publicKey: `${KEY}\nruncmd: [reboot]` }],
    ['an RSA key', { sshUser: 'preevy', publicKey: 'ssh-rsa AAAAB3Nza' }],
  ])('should refuse %s', (_, input) => {
    expect(() => renderUserData(input)).toThrow(expect.objectContaining({ code: 'EC2_USER_DATA_INVALID' }));
  });
});
