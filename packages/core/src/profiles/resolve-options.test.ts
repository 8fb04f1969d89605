import { describe, expect, it } from 'vitest';
import { resolveOptions } from './resolve-options.js';

describe('resolveOptions', () => {
  it('should let each later layer win: default < profile < x-preevy < env var < flag', () => {
    const builtIn = { region: 'us-east-1', size: 'small', spot: false, namespace: 'default', image: 'agent:1' };
    const profile = { region: 'eu-west-1', size: 'medium', spot: true, namespace: 'team' };
    const xPreevy = { size: 'large', spot: false, namespace: 'app' };
    const envVar = { spot: true, namespace: 'env' };
    const flag = { namespace: 'flag' };
    expect(resolveOptions([builtIn, profile, xPreevy, envVar, flag])).toEqual({ region: 'eu-west-1', size: 'large', spot: true, namespace: 'flag', image: 'agent:1' });
  });

  it('should skip absent layers and undefined values so unset flags never hide lower layers', () => {
    expect(resolveOptions([{ a: 1, b: 2 }, undefined, { a: undefined, b: 0 }, { c: null }])).toEqual({ a: 1, b: 0, c: null });
  });

  it('should not modify its inputs', () => {
    const low = { a: 1 };
    const high = { a: 2 };
    resolveOptions([low, high]);
    expect(low).toEqual({ a: 1 });
    expect(high).toEqual({ a: 2 });
  });
});
