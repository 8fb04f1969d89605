import { resolveDriverOptions } from '@preevy/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCKER_SOCKET, SSH_OPTIONS } from './options.js';

describe('SSH_OPTIONS', () => {
  it('should resolve with defaults and by the usual layers, the identity file as a path', () => {
    const resolved = resolveDriverOptions('ssh', SSH_OPTIONS, {
      profile: { host: 'me@from-profile' },
      env: { PREEVY_SSH_HOST: 'me@from-env', PREEVY_SSH_CONNECT_TIMEOUT: '5' },
      flags: { 'identity-file': 'keys/ci' },
      dirs: { cwd: '/work' },
    });
    expect(resolved).toEqual({ host: 'me@from-env', 'identity-file': '/work/keys/ci', 'docker-socket': DEFAULT_DOCKER_SOCKET, 'connect-timeout': 5 });
  });

  it('should name each option once, each with its own environment variable', () => {
    const names = SSH_OPTIONS.map((o) => o.name);
    expect(names).toEqual(['host', 'identity-file', 'host-key', 'proxy-command', 'docker-socket', 'connect-timeout']);
    expect(new Set(SSH_OPTIONS.map((o) => o.env)).size).toBe(names.length);
  });
});
