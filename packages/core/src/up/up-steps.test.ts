import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentState } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { toComposeModel } from '../compose/compose-model.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { baseUriMemo, interpolateBaseUris } from './interpolate-base-uris.js';
import type { LoadedProject } from './load-project.js';
import { probeUrls } from './probe-urls.js';
import type { UpContext } from './up-context.js';
import { testTarget, testUpContext } from '../testing/up-context.js';
import { expectedTunnels, waitForTunnels } from './wait-for-tunnels.js';

// The steps of `up` that decide something, against fakes: compose, the agent and the probes are
// functions, and time moves only when a step sleeps.

const RAW = {
  name: 'shop',
  services: {
    web: { image: 'web', ports: [{ target: 80, published: '8080', protocol: 'tcp' }], environment: { API_URL: 'http://localhost:3000' } },
    api: { image: 'api', ports: [{ target: 3000, published: '3000', protocol: 'tcp' }], labels: { 'preevy.access': 'private' } },
  },
};
const model = toComposeModel(RAW, { workingDir: '/work/shop', files: ['/work/shop/compose.yaml'] });

const context = (over: Partial<UpContext> = {}, signal?: AbortSignal): UpContext =>
  testUpContext({
    request: { compose: {}, timeouts: { tunnelsMs: 1_000, probeMs: 1_000 }, signal },
    run: async () => ({ exitCode: 1, stdout: '', stderr: 'unexpected run' }),
    ...over,
  });
const target = testTarget();
const expected = expectedTunnels(model, undefined, 'public', {});
const agentState = (tunnels: AgentState['tunnels'], extra: Partial<AgentState> = {}): AgentState => ({ status: 'connected', envId: 'shop-main', tunnels, ...extra });
const activeAll = agentState([
  { service: 'api', port: 3000, access: 'private', state: 'active', url: 'http://api.test' },
  { service: 'web', port: 80, access: 'public', state: 'active', url: 'http://web.test' },
]);

describe('expectedTunnels', () => {
  it('should expect one tunnel per published port, with the access of x-preevy, the label or the default', () => {
    expect(expectedTunnels(model, undefined, 'public', { web: { 'preevy.access': 'private' } })).toEqual([
      { service: 'web', port: 80, access: 'private' },
      { service: 'api', port: 3000, access: 'private' },
    ]);
    expect(expectedTunnels(model, ['web'], 'public', {})).toEqual([{ service: 'web', port: 80, access: 'public' }]);
  });
});

describe('waitForTunnels', () => {
  it('should return after one reading when the agent already serves every tunnel', async () => {
    let readings = 0;
    const active = await waitForTunnels(context(), target, expected, async () => (readings++, activeAll));
    expect(readings).toBe(1);
    expect(active.map((t) => t.url).sort()).toEqual(['http://api.test', 'http://web.test']);
  });

  it('should keep reading until the last expected tunnel is active', async () => {
    const states = [{ error: 'the agent container is not running' }, agentState([{ service: 'web', port: 80, access: 'public', state: 'active', url: 'http://web.test' }]), activeAll];
    let readings = 0;
    await waitForTunnels(context(), target, expected, async () => states[readings++]!);
    expect(readings).toBe(3);
  });

  it('should fail with TUNNELS_NOT_READY naming the agent\'s reason at the timeout', async () => {
    const stuck = agentState([], { status: 'reconnecting', rejected: [{ name: 'api-3000', reason: 'quota' }] });
    const err = await waitForTunnels(context(), target, expected, async () => stuck).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TUNNELS_NOT_READY' });
    expect((err as Error).message).toContain('api-3000: quota');
    expect((err as { suggestions: string[] }).suggestions[0]).toContain('docker compose -p shop-main logs preevy_agent');
  });

  it('should stop with INTERRUPTED when the user interrupts while waiting', async () => {
    const ctrl = new AbortController();
    const err = await waitForTunnels(context({}, ctrl.signal), target, expected, async () => (ctrl.abort(), { error: 'not yet' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERRUPTED' });
    expect((err as { suggestions: string[] }).suggestions).toContain('Or remove what was created: preevy down --id shop-main');
  });
});

describe('probeUrls', () => {
  it('should probe until the service answers, sending a share token only to private URLs', async () => {
    const seen: Array<[string, string | undefined]> = [];
    const statuses: Record<string, number[]> = { 'http://web.test': [502, 0, 200], 'http://api.test': [401] };
    const probe = async (url: string, { headers }: { headers?: Record<string, string> } = {}) => (seen.push([url, headers?.Authorization]), statuses[url]!.shift()!);
    const urls = await probeUrls(context(), target, expected, activeAll.tunnels, () => 'tok', probe);
    expect(urls).toEqual([
      { service: 'web', port: 80, access: 'public', url: 'http://web.test', httpStatus: 200 },
      { service: 'api', port: 3000, access: 'private', url: 'http://api.test', httpStatus: 401 },
    ]);
    expect(seen.filter(([u]) => u === 'http://api.test')).toEqual([['http://api.test', 'Bearer tok']]);
    expect(seen.filter(([u]) => u === 'http://web.test').every(([, auth]) => auth === undefined)).toBe(true);
  });

  it('should give up at the probe timeout and report the last status (up warns, it does not fail)', async () => {
    const urls = await probeUrls(context(), target, expected, activeAll.tunnels, () => 'tok', async () => 502);
    expect(urls.map((u) => u.httpStatus)).toEqual([502, 502]);
  });
});

describe('interpolateBaseUris', () => {
  const urlOf = (service: string, port: number) => `http://${service}-${port}.test`;
  const composeRuns = (): { run: ProcessRunner; envs: NodeJS.ProcessEnv[] } => {
    const envs: NodeJS.ProcessEnv[] = [];
    const run: ProcessRunner = async (_file, args, options) => {
      envs.push(options?.env ?? {});
      return args.includes('config') ? { exitCode: 0, stdout: JSON.stringify(RAW), stderr: '' } : { exitCode: 1, stdout: '', stderr: '' };
    };
    return { run, envs };
  };
  const loaded = (baseUris: Record<string, string>): LoadedProject => ({ model, config: {}, target, baseUris });
  const URIS = { PREEVY_BASE_URI_WEB_8080: 'http://web-80.test', PREEVY_BASE_URI_API_3000: 'http://api-3000.test' };

  it('should load the model again with every PREEVY_BASE_URI_* set when the first load had other values', async () => {
    const { run, envs } = composeRuns();
    const out = await interpolateBaseUris(context({ run }), loaded({}), urlOf, {});
    expect(out.baseUris).toEqual(URIS);
    expect(envs).toHaveLength(1);
    expect(envs[0]).toMatchObject(URIS);
  });

  it('should reuse the first model when it was loaded with exactly these values (no second docker compose config)', async () => {
    const { run, envs } = composeRuns();
    const out = await interpolateBaseUris(context({ run }), loaded(URIS), urlOf, {});
    expect(out.model).toBe(model);
    expect(envs).toHaveLength(0);
  });

  it('should load again when a remembered value is stale, or one too many', async () => {
    for (const stale of [{ ...URIS, PREEVY_BASE_URI_WEB_8080: 'http://old.test' }, { ...URIS, PREEVY_BASE_URI_GONE_1: 'http://gone.test' }]) {
      const { run, envs } = composeRuns();
      await interpolateBaseUris(context({ run }), loaded(stale), urlOf, {});
      expect(envs).toHaveLength(1);
    }
  });
});

describe('baseUriMemo', () => {
  it('should remember the values per compose request, and know none for a new one', async () => {
    const home = await mkdtemp(join(tmpdir(), 'preevy-memo-'));
    try {
      const memo = (compose: UpContext['request']['compose']) => baseUriMemo({ request: { compose }, env: { PREEVY_HOME: home }, profile: { name: 'ci' } as UpContext['profile'] });
      expect(await memo({ files: ['a.yaml'] }).read()).toEqual({});
      await memo({ files: ['a.yaml'] }).write({ PREEVY_BASE_URI_WEB_80: 'http://web.test' });
      expect(await memo({ files: ['a.yaml'] }).read()).toEqual({ PREEVY_BASE_URI_WEB_80: 'http://web.test' });
      expect(await memo({ files: ['b.yaml'] }).read()).toEqual({});
      await writeFile(join(home, 'work', 'ci', 'base-uris', readdirSync(join(home, 'work', 'ci', 'base-uris'))[0]!), '{"damaged');
      expect(await memo({ files: ['a.yaml'] }).read()).toEqual({});
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
