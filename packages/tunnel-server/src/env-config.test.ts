import { describe, expect, it } from 'vitest';
import { ConfigError, limitEnvName, optionsFromEnv } from './env-config.js';

const base = { PREEVY_TUNNEL_HOST_KEY_FILE: '/data/key' };
const read = (): Buffer => Buffer.from('');

describe('optionsFromEnv', () => {
  it('should read limits from one variable each, and the admin interface apart from the listen host', () => {
    expect(limitEnvName('tunnelsPerKey')).toBe('PREEVY_TUNNEL_LIMIT_TUNNELS_PER_KEY');
    const options = optionsFromEnv({ ...base, PREEVY_TUNNEL_LISTEN_HOST: '0.0.0.0', PREEVY_TUNNEL_LIMIT_TUNNELS_PER_KEY: '50', PREEVY_TUNNEL_LIMIT_CHANNEL_OPEN_TIMEOUT_MS: '2000' }, read);
    expect(options.limits).toEqual({ tunnelsPerKey: 50, channelOpenTimeoutMs: 2000 });
    expect(options.listenHost).toBe('0.0.0.0');
    expect(options.adminListenHost).toBeUndefined();
    expect(optionsFromEnv({ ...base, PREEVY_TUNNEL_ADMIN_LISTEN_HOST: '0.0.0.0' }, read).adminListenHost).toBe('0.0.0.0');
  });

  it.each(['0', '-1', '1.5', 'many'])('should refuse the limit value %j, naming the variable', (value) => {
    expect(() => optionsFromEnv({ ...base, PREEVY_TUNNEL_LIMIT_CONNECTIONS_PER_KEY: value }, read)).toThrow(ConfigError);
    expect(() => optionsFromEnv({ ...base, PREEVY_TUNNEL_LIMIT_CONNECTIONS_PER_KEY: value }, read)).toThrow(/PREEVY_TUNNEL_LIMIT_CONNECTIONS_PER_KEY/);
  });
});
