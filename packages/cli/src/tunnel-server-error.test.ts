import { TunnelServerError } from '@preevy/tunnel-server';
import { describe, expect, it } from 'vitest';
import { toErrorReport } from './error-report.js';
import { preevyErrorOfTunnelServer } from './tunnel-server-error.js';

describe('preevyErrorOfTunnelServer', () => {
  it('should carry the code, kind and remedy of a tunnel server error to the report and exit code the user sees', () => {
    const cause = new Error('unsupported key format');
    const translated = preevyErrorOfTunnelServer(
      new TunnelServerError('/home/u/.preevy/tunnel-server/ssh_host_ed25519_key is not a usable SSH key', { code: 'TUNNEL_HOST_KEY_INVALID', suggestions: ['Delete the file.'], cause }),
    );
    expect(toErrorReport(translated, { debug: false })).toEqual({
      code: 'TUNNEL_HOST_KEY_INVALID',
      message: '/home/u/.preevy/tunnel-server/ssh_host_ed25519_key is not a usable SSH key',
      suggestions: ['Delete the file.'],
      causes: ['unsupported key format'],
      exitCode: 3,
    });
  });

  it('should leave any other error alone', () => {
    expect(preevyErrorOfTunnelServer(new Error('EADDRINUSE'))).toBeUndefined();
  });
});
