import { describe, expect, it } from 'vitest';
import { hostKeyFromConsole } from './console-host-key.js';

const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIKa7bW1sZ8y0V4Q0h3xwJv8t0H6cY8qQ0mZb2v5c1d2e';

describe('hostKeyFromConsole', () => {
  it("should read the ed25519 key of cloud-init's block, whatever surrounds it", () => {
    const output = [
      '[   12.3] cloud-init[612]: Cloud-init v. 22.4.2 running',
      '-----BEGIN SSH HOST KEY KEYS-----',
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= root@ip-10-0-0-5',
      `ssh-ed25519 ${ED} root@ip-10-0-0-5`,
      '-----END SSH HOST KEY KEYS-----',
      '[   13.0] cloud-init[612]: finished',
    ].join('\r\n');
    expect(hostKeyFromConsole(output)).toBe(`ssh-ed25519 ${ED}`);
  });

  it('should find nothing before the block is printed, without an ed25519 key, or with a key line that is not one', () => {
    expect(hostKeyFromConsole('booting...')).toBeUndefined();
    expect(hostKeyFromConsole('-----BEGIN SSH HOST KEY KEYS-----\necdsa-sha2-nistp256 AAAA root\n-----END SSH HOST KEY KEYS-----')).toBeUndefined();
    expect(hostKeyFromConsole('-----BEGIN SSH HOST KEY KEYS-----\nssh-ed25519 not*base64\n-----END SSH HOST KEY KEYS-----')).toBeUndefined();
    // An ed25519 line outside the block (any process can print to the console later) is not taken.
    expect(hostKeyFromConsole(`ssh-ed25519 ${ED}\n`)).toBeUndefined();
  });
});
