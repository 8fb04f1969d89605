import { describe, expect, it } from 'vitest';
import { helperScript, mergeDockerConfig } from './credentials-install.js';

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
