import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { laptopDockerCredential, laptopDockerRegistries, laptopGitCredential, registryKey } from './credentials-laptop.js';

// The laptop's real git, with a helper configured in a throwaway HOME.
describe('laptop credentials', () => {
  const home = mkdtempSync(join(tmpdir(), 'preevy-cred-home-'));
  const helper = join(home, 'helper.sh');
  writeFileSync(helper, '#!/bin/sh\n[ "$1" = get ] || { cat >> "$HOME/calls"; echo "$1" >> "$HOME/calls"; exit 0; }\necho username=alice\necho password=laptop-secret\n', { mode: 0o755 });
  writeFileSync(join(home, '.gitconfig'), `[credential "https://example.test"]\n\thelper = ${helper}\n`);
  writeFileSync(join(home, 'docker-credential-fake'), '#!/bin/sh\nread url; [ "$url" = helped.test ] && echo \'{"Username":"carol","Secret":"from-helper"}\' || exit 1\n', { mode: 0o755 });
  const env = { PATH: `${home}:${process.env.PATH ?? ''}`, HOME: home, GIT_CONFIG_NOSYSTEM: '1', DOCKER_CONFIG: join(home, 'docker') };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('should fill from the laptop helper for its host, without prompting for others', async () => {
    expect(await laptopGitCredential('fill', { protocol: 'https', host: 'example.test' }, { env })).toEqual({ username: 'alice', password: 'laptop-secret' });
    // No helper knows it and prompts are off: nothing, not a hang on the terminal.
    expect(await laptopGitCredential('fill', { protocol: 'https', host: 'unknown.test' }, { env, timeoutMs: 10_000 })).toBeUndefined();
  });

  it('should read docker credentials from auths and credential helpers, and list registries by name', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(env.DOCKER_CONFIG, { recursive: true });
    writeFileSync(join(env.DOCKER_CONFIG, 'config.json'), JSON.stringify({
      auths: { 'https://registry.example.test': { auth: Buffer.from('bob:pa:ss').toString('base64') }, 'https://index.docker.io/v1/': {} },
      credHelpers: { 'helped.test': 'fake' },
    }));
    expect(await laptopDockerRegistries({ env })).toEqual(['helped.test', 'https://index.docker.io/v1/', 'registry.example.test']);
    expect(await laptopDockerCredential('registry.example.test', { env })).toEqual({ username: 'bob', secret: 'pa:ss' });
    expect(await laptopDockerCredential('helped.test', { env })).toEqual({ username: 'carol', secret: 'from-helper' });
    expect(await laptopDockerCredential('other.test', { env })).toBeUndefined();
  });

  it('should key registries as docker does', () => {
    expect(registryKey('https://Registry.test:5000/v2/')).toBe('registry.test:5000');
    expect(registryKey('docker.io')).toBe('https://index.docker.io/v1/');
  });
});
