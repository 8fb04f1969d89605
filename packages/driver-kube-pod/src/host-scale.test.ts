import { describe, expect, it } from 'vitest';
import { hostStoppedError, serviceAddressOf } from './host-scale.js';

describe('serviceAddressOf', () => {
  it('should read the API address printenv prints, one variable a line', () => {
    expect(serviceAddressOf('10.96.0.1\n443\n')).toEqual({ host: '10.96.0.1', port: '443' });
  });

  it('should refuse a missing variable or a port that is not a number', () => {
    expect(serviceAddressOf('')).toBeUndefined();
    expect(serviceAddressOf('10.96.0.1\n')).toBeUndefined();
    expect(serviceAddressOf('10.96.0.1\nhttps\n')).toBeUndefined();
  });
});

describe('hostStoppedError', () => {
  it('should be HOST_STOPPED and say how to start it again', () => {
    const e = hostStoppedError('ns', 'host-1');
    expect(e.code).toBe('HOST_STOPPED');
    expect(e.message).toContain('ns/host-1');
    expect(e.suggestions.join(' ')).toMatch(/workspace start/);
  });
});
