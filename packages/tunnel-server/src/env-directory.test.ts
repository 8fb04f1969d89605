import { describe, expect, it } from 'vitest';
import { EnvDirectory } from './env-directory.js';

const who = { envId: 'pr-1', clientId: 'abc' };

describe('EnvDirectory', () => {
  it('should keep the latest metadata of the live connections and remember the environment when the last one goes', () => {
    const d = new EnvDirectory({ maxClosed: 10, closedTtlMs: 1_000 });
    d.connected('pr-1-abc', 1, who);
    d.setMetadata('pr-1-abc', 1, { branch: 'a' }, 100);
    d.connected('pr-1-abc', 2, who);
    d.setMetadata('pr-1-abc', 2, { branch: 'b' }, 200);
    expect(d.metadataOf('pr-1-abc')).toMatchObject({ envId: 'pr-1', clientId: 'abc', metadata: { branch: 'b' } });
    d.disconnected('pr-1-abc', 2, 300);
    expect(d.closedEnvironment('pr-1-abc', 300)).toBeUndefined(); // connection 1 still lives
    d.disconnected('pr-1-abc', 1, 400);
    expect(d.metadataOf('pr-1-abc')).toBeUndefined();
    expect(d.closedEnvironment('pr-1-abc', 500)).toEqual({ envId: 'pr-1', closedAt: 400, metadata: { branch: 'a' } });
    expect(d.closedEnvironment('pr-1-abc', 1_400)).toBeUndefined(); // past its time
    expect(d.closedCount).toBe(0);
  });

  it('should forget a closed environment once it is back', () => {
    const d = new EnvDirectory({ maxClosed: 10, closedTtlMs: 1_000 });
    d.connected('x', 1, who);
    d.published('x', 1);
    d.disconnected('x', 1, 0);
    expect(d.closedEnvironment('x', 1)).toBeDefined();
    d.connected('x', 2, who);
    expect(d.closedEnvironment('x', 2)).toBeUndefined();
    d.published('x', 2);
    expect(d.closedCount).toBe(0);
  });

  it('should not remember a connection that published nothing, and keep at most the bound, oldest forgotten first', () => {
    const d = new EnvDirectory({ maxClosed: 2, closedTtlMs: 60_000 });
    d.connected('hello-only', 1, who);
    d.disconnected('hello-only', 1, 0);
    expect(d.closedEnvironment('hello-only', 0)).toBeUndefined();
    for (const [i, label] of ['a', 'b', 'c'].entries()) {
      d.connected(label, i, who);
      d.published(label, i);
      d.disconnected(label, i, i);
    }
    expect(d.closedCount).toBe(2);
    expect(d.closedEnvironment('a', 3)).toBeUndefined();
    expect(d.closedEnvironment('c', 3)).toBeDefined();
  });
});
