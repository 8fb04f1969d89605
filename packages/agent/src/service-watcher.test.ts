import { describe, expect, it } from 'vitest';
import type { DesiredTunnel } from './discovery.js';
import type { ContainerSummary, DockerEngine, DockerEvent } from './docker-engine-client.js';
import { ServiceWatcher } from './service-watcher.js';

const container = (service: string, port: number): ContainerSummary => ({
  Id: `id-${service}`,
  State: 'running',
  Labels: { 'com.docker.compose.project': 'p', 'com.docker.compose.service': service },
  Ports: [{ PrivatePort: port, PublicPort: 40000 + port, Type: 'tcp' }],
  NetworkSettings: { Networks: { p_default: { IPAddress: '10.0.0.2' } } },
});

/** A scripted engine: each events() call takes the next script; a script either throws or yields then waits. */
class FakeEngine implements Pick<DockerEngine, 'listContainers' | 'events'> {
  containers: ContainerSummary[] = [];
  lists = 0;
  subscriptions = 0;
  readonly #pending: ((e: DockerEvent) => void)[] = [];
  failNextSubscription = false;

  failLists = 0;

  listContainers(): Promise<ContainerSummary[]> {
    this.lists += 1;
    if (this.failLists > 0) {
      this.failLists -= 1;
      return Promise.reject(new Error('cannot reach the Docker engine'));
    }
    return Promise.resolve([...this.containers]);
  }

  async *events(_filters: unknown, signal: AbortSignal): AsyncIterable<DockerEvent> {
    this.subscriptions += 1;
    if (this.failNextSubscription) {
      this.failNextSubscription = false;
      throw new Error('event stream broke');
    }
    while (!signal.aborted) {
      const event = await new Promise<DockerEvent | undefined>((resolve) => {
        this.#pending.push(resolve);
        signal.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      if (event) yield event;
    }
  }

  emit(event: DockerEvent): void {
    for (const resolve of this.#pending.splice(0)) resolve(event);
  }
}

const until = async (what: string, probe: () => boolean, deadlineMs = 3_000) => {
  const end = Date.now() + deadlineMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const services = (list: DesiredTunnel[] | undefined) => (list ?? []).map((t) => `${t.service}:${t.port}`);

describe('ServiceWatcher', () => {
  it('should list at start, re-list on a project event and report only changes', async () => {
    const engine = new FakeEngine();
    engine.containers = [container('web', 80)];
    const changes: DesiredTunnel[][] = [];
    const watcher = new ServiceWatcher({ docker: engine, discovery: { project: 'p' }, onChange: (t) => changes.push(t), debounceMs: 5 });
    watcher.start();
    await until('first listing', () => changes.length === 1);
    expect(services(changes[0])).toEqual(['web:80']);

    engine.containers = [container('web', 80), container('api', 3000)];
    engine.emit({ Type: 'container', Action: 'start', Actor: { Attributes: { 'com.docker.compose.project': 'p' } } });
    await until('second listing', () => changes.length === 2);
    expect(services(changes[1])).toEqual(['api:3000', 'web:80']);

    const lists = engine.lists;
    engine.emit({ Type: 'container', Action: 'start', Actor: { Attributes: { 'com.docker.compose.project': 'p' } } });
    await until('third listing', () => engine.lists > lists);
    expect(changes).toHaveLength(2);
    await watcher.stop();
  });

  it('should ignore container events of other projects', async () => {
    const engine = new FakeEngine();
    const watcher = new ServiceWatcher({ docker: engine, discovery: { project: 'p' }, onChange: () => undefined, debounceMs: 5 });
    watcher.start();
    await until('first listing', () => engine.lists === 1);
    engine.emit({ Type: 'container', Action: 'start', Actor: { Attributes: { 'com.docker.compose.project': 'other' } } });
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.lists).toBe(1);
    await watcher.stop();
  });

  it('should resubscribe after the event stream breaks and re-list so nothing is missed', async () => {
    const engine = new FakeEngine();
    engine.failNextSubscription = true;
    engine.containers = [container('web', 80)];
    const watcher = new ServiceWatcher({ docker: engine, discovery: { project: 'p' }, onChange: () => undefined, debounceMs: 5, random: () => 0 });
    watcher.start();
    await until('resubscription', () => engine.subscriptions === 2);
    await until('listing after resubscribing', () => services(watcher.current).length === 1);
    expect(watcher.lastError).toBeUndefined();
    await watcher.stop();
  });

  it('should coalesce a burst of events into one listing', async () => {
    const engine = new FakeEngine();
    const watcher = new ServiceWatcher({ docker: engine, discovery: { project: 'p' }, onChange: () => undefined, debounceMs: 30 });
    watcher.start();
    await until('first listing', () => engine.lists === 1);
    for (let i = 0; i < 10; i += 1) engine.emit({ Type: 'network', Action: 'connect' });
    await until('one more listing', () => engine.lists === 2);
    await new Promise((r) => setTimeout(r, 80));
    expect(engine.lists).toBe(2);
    await watcher.stop();
  });

  it('should expose a Docker failure until a listing succeeds again', async () => {
    const engine = new FakeEngine();
    engine.failLists = 1;
    engine.containers = [container('web', 80)];
    const watcher = new ServiceWatcher({ docker: engine, discovery: { project: 'p' }, onChange: () => undefined, debounceMs: 5, resyncMs: 40 });
    watcher.start();
    await until('failed listing', () => engine.lists === 1);
    expect(watcher.lastError).toBe('cannot reach the Docker engine');
    await until('a successful listing', () => services(watcher.current).length === 1);
    expect(watcher.lastError).toBeUndefined();
    await watcher.stop();
  });
});
