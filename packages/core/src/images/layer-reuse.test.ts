import { describe, expect, it } from 'vitest';
import { addLayerChains, parseLayers, sharedLayerCount, skippableLayerPaths } from './layer-reuse.js';

describe('sharedLayerCount', () => {
  it('should count the leading layers the target holds on the same parents, and stop at the first it lacks', () => {
    const target = new Set<string>();
    addLayerChains(target, ['a', 'b', 'c']);
    expect(sharedLayerCount(['a', 'b', 'x', 'c'], target)).toBe(2);
    expect(sharedLayerCount(['a', 'b', 'c', 'd'], target)).toBe(3);
    expect(sharedLayerCount(['x', 'a'], target)).toBe(0);
  });

  it('should not count a layer the target has only on other parents', () => {
    const target = new Set<string>();
    addLayerChains(target, ['a', 'b']);
    // `b` is there, but on top of `a`: as the first layer it is another chain.
    expect(sharedLayerCount(['b', 'c'], target)).toBe(0);
  });
});

describe('skippableLayerPaths', () => {
  it('should skip the files of the shared layers only', () => {
    const manifest = [{ Layers: ['l1/layer.tar', 'l2/layer.tar', 'l3/layer.tar'] }];
    expect([...skippableLayerPaths(manifest, 2)]).toEqual(['l1/layer.tar', 'l2/layer.tar']);
    expect(skippableLayerPaths(manifest, 0).size).toBe(0);
  });

  it('should keep a blob a layer after the shared ones needs too (equal layers share one blob)', () => {
    const manifest = [{ Layers: ['blobs/sha256/e', 'blobs/sha256/f', 'blobs/sha256/e'] }];
    expect([...skippableLayerPaths(manifest, 2)]).toEqual(['blobs/sha256/f']);
  });
});

describe('parseLayers', () => {
  it('should read a JSON list of diff ids and take anything else for none', () => {
    expect(parseLayers('["sha256:a","sha256:b"]')).toEqual(['sha256:a', 'sha256:b']);
    expect(parseLayers('null')).toEqual([]);
    expect(parseLayers('sha256:1 5242880')).toEqual([]);
    expect(parseLayers('[1]')).toEqual([]);
  });
});
