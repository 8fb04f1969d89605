import { describe, expect, it } from 'vitest';
import { parseAccess, serviceTunnels } from './service-tunnels.js';

describe('serviceTunnels', () => {
  it('should publish every published TCP port, sorted and once, with the default access', () => {
    expect(serviceTunnels({ labels: {}, publishedTcpPorts: [8080, 80, 80] }, 'private')).toEqual({ access: 'private', ports: [80, 8080], problems: [] });
  });

  it('should publish exactly the preevy.expose ports, published or not', () => {
    expect(serviceTunnels({ labels: { 'preevy.expose': '3000, 9229/tcp' }, publishedTcpPorts: [8080] }, 'public').ports).toEqual([3000, 9229]);
    expect(serviceTunnels({ labels: { 'preevy.expose': '' }, publishedTcpPorts: [8080] }, 'public').ports).toEqual([]);
  });

  it('should read preevy.access forgiving case and spaces', () => {
    expect(serviceTunnels({ labels: { 'preevy.access': ' Private ' }, publishedTcpPorts: [80] }, 'public').access).toBe('private');
  });

  it('should make a bad access private (never publish by a typo) and name the problem', () => {
    const r = serviceTunnels({ labels: { 'preevy.access': 'pubic', 'preevy.expose': '80,abc' }, publishedTcpPorts: [] }, 'public');
    expect(r.access).toBe('private');
    expect(r.ports).toEqual([80]);
    expect(r.problems).toEqual([
      { label: 'preevy.access', message: 'expected one of public, private, received "pubic"' },
      { label: 'preevy.expose', message: 'expected comma-separated container ports (1-65535), received "abc"' },
    ]);
  });
});

describe('parseAccess', () => {
  it.each([['public', 'public'], ['PRIVATE', 'private'], ['secret', undefined], ['', undefined]])('should read %j as %j', (raw, want) => expect(parseAccess(raw)).toBe(want));
});
