import { describe, expect, it } from 'vitest';
import type { ContainerDetails } from './docker-engine-client.js';
import { IdleStopper } from './idle-stop.js';

const T0 = Date.parse('2026-12-04T10:00:00Z');

const setup = ({ tunnel, file }: { tunnel?: number; file?: number } = {}) => {
  let now = T0;
  const calls: string[] = [];
  let running = true;
  const stopper = new IdleStopper({
    container: 'c1',
    timeoutSeconds: 60,
    activityFile: '/act',
    tunnelActivity: () => tunnel,
    mtime: (p) => (p === '/act' ? file : undefined),
    now: () => now,
    docker: {
      inspectContainer: (): Promise<ContainerDetails> => Promise.resolve({ Id: 'c1', Name: '/c1', State: { Running: running, StartedAt: new Date(T0).toISOString() } }),
      stopContainer: (id) => {
        calls.push(id);
        running = false;
        return Promise.resolve();
      },
    },
  });
  return { stopper, calls, advance: (s: number) => (now += s * 1_000), restart: () => (running = true) };
};

describe('IdleStopper', () => {
  it('should stop the container once the timeout passes with no activity since its start', async () => {
    const { stopper, calls, advance } = setup();
    advance(59);
    await stopper.check();
    expect(calls).toEqual([]);
    advance(1);
    await stopper.check();
    expect(calls).toEqual(['c1']);
    expect(stopper.state()).toEqual({ container: 'c1', timeoutSeconds: 60, lastActivityAt: new Date(T0).toISOString(), stoppedAt: new Date(T0 + 60_000).toISOString() });
    await stopper.check(); // stopped: nothing more, and never a start
    expect(calls).toEqual(['c1']);
  });

  it('should count a tunnel visitor and the activity file (an SSH session) as activity', async () => {
    const visitor = setup({ tunnel: T0 + 50_000 });
    visitor.advance(100);
    await visitor.stopper.check();
    expect(visitor.calls).toEqual([]);
    expect(visitor.stopper.state().lastActivityAt).toBe(new Date(T0 + 50_000).toISOString());
    const ssh = setup({ file: T0 + 90_000 });
    ssh.advance(140);
    await ssh.stopper.check();
    expect(ssh.calls).toEqual([]);
    ssh.advance(10);
    await ssh.stopper.check();
    expect(ssh.calls).toEqual(['c1']);
  });
});

describe('IdleStopper afterStop (kube-pod: scale the host to zero)', () => {
  it('should run afterStop once the container is stopped, and retry it until it succeeds', async () => {
    let running = true;
    let now = T0;
    const events: string[] = [];
    let failures = 1;
    const stopper = new IdleStopper({
      container: 'c1',
      timeoutSeconds: 10,
      tunnelActivity: () => undefined,
      now: () => now,
      docker: {
        inspectContainer: (): Promise<ContainerDetails> => Promise.resolve({ Id: 'c1', Name: '/c1', State: { Running: running, StartedAt: new Date(T0).toISOString() } }),
        stopContainer: () => {
          events.push('stop');
          running = false;
          return Promise.resolve();
        },
      },
      afterStop: () => {
        events.push('scale');
        return failures-- > 0 ? Promise.reject(new Error('API down')) : Promise.resolve();
      },
    });
    now += 10_000;
    await stopper.check();
    expect(events).toEqual(['stop', 'scale']);
    await stopper.check();
    expect(events).toEqual(['stop', 'scale', 'scale']);
    await stopper.check(); // done: nothing more
    expect(events).toEqual(['stop', 'scale', 'scale']);
  });
});

describe('IdleStopper start', () => {
  it('should count its own start as activity (a slow `workspace up` made the agent long after the container started)', async () => {
    let now = T0 + 120_000;
    const calls: string[] = [];
    const stopper = new IdleStopper({
      container: 'c1',
      timeoutSeconds: 60,
      tunnelActivity: () => undefined,
      now: () => now,
      docker: {
        inspectContainer: (): Promise<ContainerDetails> => Promise.resolve({ Id: 'c1', Name: '/c1', State: { Running: true, StartedAt: new Date(T0).toISOString() } }),
        stopContainer: (id) => {
          calls.push(id);
          return Promise.resolve();
        },
      },
    });
    await stopper.check();
    expect(calls).toEqual([]);
    now += 60_000;
    await stopper.check();
    expect(calls).toEqual(['c1']);
  });
});
