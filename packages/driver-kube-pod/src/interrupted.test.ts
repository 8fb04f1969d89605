import { describe, expect, it } from 'vitest';
import { sleepUnlessAborted, unlessAborted } from './interrupted.js';

describe('unlessAborted', () => {
  it('should settle with the work while the signal stays quiet', async () => {
    expect(await unlessAborted(Promise.resolve(7), new AbortController().signal, 'x')).toBe(7);
    await expect(unlessAborted(Promise.reject(new Error('boom')), new AbortController().signal, 'x')).rejects.toThrow('boom');
  });

  it('should reject with INTERRUPTED at once when aborted, without waiting for the work', async () => {
    const ac = new AbortController();
    const never = new Promise<never>(() => undefined);
    const started = Date.now();
    const waiting = unlessAborted(never, ac.signal, 'waiting for deployment ns/d');
    setTimeout(() => ac.abort(), 20);
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED', kind: 'interrupted', message: 'Interrupted while waiting for deployment ns/d' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('should reject at once when the signal was aborted before', async () => {
    await expect(unlessAborted(Promise.resolve(1), AbortSignal.abort(), 'x')).rejects.toMatchObject({ code: 'INTERRUPTED' });
    await expect(sleepUnlessAborted(60_000, AbortSignal.abort(), 'x')).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });
});
