import { describe, expect, it } from 'vitest';
import { credentialsState, helperScript, mergeDockerConfig } from './credentials-install.js';

describe('mergeDockerConfig', () => {
  it('should add our helper for the registries, keep the user\'s entries and drop our stale ones', () => {
    const user = JSON.stringify({ auths: { 'mine.test': { auth: 'x' } }, credHelpers: { 'gcr.io': 'gcloud', 'old.test': 'preevy' } });
    expect(JSON.parse(mergeDockerConfig(user, ['new.test'])!)).toEqual({ auths: { 'mine.test': { auth: 'x' } }, credHelpers: { 'gcr.io': 'gcloud', 'new.test': 'preevy' } });
    // The user's own helper for a registry wins.
    expect((JSON.parse(mergeDockerConfig(user, ['gcr.io'])!) as { credHelpers: unknown }).credHelpers).toEqual({ 'gcr.io': 'gcloud' });
  });

  it('should leave the file alone when nothing changes or it is not JSON', () => {
    expect(mergeDockerConfig(undefined, [])).toBeUndefined();
    expect(mergeDockerConfig('{"credHelpers":{"a.test":"preevy"}}', ['a.test'])).toBeUndefined();
    expect(mergeDockerConfig('not json', ['a.test'])).toBeUndefined();
    expect(JSON.parse(mergeDockerConfig('', ['a.test'])!)).toEqual({ credHelpers: { 'a.test': 'preevy' } });
  });
});

describe('helperScript', () => {
  it('should exec the checked agent in the mode with the helper\'s arguments, each word quoted', () => {
    const script = helperScript({ dir: '/.preevy/v1', agentSha256: 'f'.repeat(64) }, 'git-credential', ['--token-file', '/var/lib/x']);
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain("exec '/.preevy/v1/lib/ld.so' '--library-path' '/.preevy/v1/lib' '/.preevy/v1/node'");
    expect(script).toContain("'/.preevy/v1/agent.mjs' 'git-credential' '--token-file' '/var/lib/x' \"$@\"\n");
  });
});

describe('credentialsState', () => {
  const runtime = { dir: '/.preevy/v1', agentSha256: 'f'.repeat(64) };
  const setup = { git: true, gitToken: { token: 't1', host: 'github.com', username: 'x' }, dockerRegistries: ['b.test', 'a.test'] };

  it('should be the same for the same setup (registries in any order), with no token in it', () => {
    expect(credentialsState(runtime, 'dev', setup)).toBe(credentialsState(runtime, 'dev', { ...setup, dockerRegistries: ['a.test', 'b.test'] }));
    expect(credentialsState(runtime, 'dev', setup)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should change with a new, changed or removed token, the user, the registries, git on/off and the runtime', () => {
    const states = [
      credentialsState(runtime, 'dev', setup),
      credentialsState(runtime, 'dev', { ...setup, gitToken: { ...setup.gitToken, token: 't2' } }),
      credentialsState(runtime, 'dev', { ...setup, gitToken: undefined }),
      credentialsState(runtime, 'root', setup),
      credentialsState(runtime, 'dev', { ...setup, dockerRegistries: ['a.test'] }),
      credentialsState(runtime, 'dev', { ...setup, git: false }),
      credentialsState({ ...runtime, dir: '/.preevy/v2' }, 'dev', setup),
    ];
    expect(new Set(states).size).toBe(states.length);
  });
});
