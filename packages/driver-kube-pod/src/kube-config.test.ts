import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kube-config.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: {server: 'https://10.1.2.3:6443'}
users:
- name: u1
  user: {token: t}
contexts:
- name: one
  context: {cluster: c1, user: u1}
- name: dangling
  context: {cluster: missing, user: u1}
current-context: one
`;

describe('loadKubeConfig', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-kubeconfig-'));
    file = join(dir, 'config');
    await writeFile(file, KUBECONFIG);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('should load the file and its current context', () => {
    expect(loadKubeConfig({ kubeconfig: file }).getCurrentCluster()?.server).toBe('https://10.1.2.3:6443');
  });

  it('should say a missing file is invalid input and name it', () => {
    const load = () => loadKubeConfig({ kubeconfig: join(dir, 'nope') });
    expect(load).toThrow(expect.objectContaining({ code: 'KUBECONFIG_INVALID', kind: 'invalid-input' }));
    expect(load).toThrow(join(dir, 'nope'));
  });

  it('should list the contexts when the one asked for is not there', () => {
    expect(() => loadKubeConfig({ kubeconfig: file, context: 'two' })).toThrow(
      expect.objectContaining({ code: 'KUBE_CONTEXT_NOT_FOUND', kind: 'not-found', suggestions: ['Use one of: one, dangling.'] }),
    );
  });

  it('should refuse a context whose cluster is not defined', () => {
    expect(() => loadKubeConfig({ kubeconfig: file, context: 'dangling' })).toThrow(expect.objectContaining({ code: 'KUBECONFIG_NO_CLUSTER' }));
  });
});
