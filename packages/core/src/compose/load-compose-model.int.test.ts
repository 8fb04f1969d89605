import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPreevyError, type PreevyError } from '../errors/index.js';
import { baseUriEnv } from './base-uri-env.js';
import type { ComposeRequest } from './compose-request.js';
import { type LoadComposeDeps, loadComposeModel } from './load-compose-model.js';
import { validatePreevyConfig } from './validate-preevy-config.js';

// Against the real Compose v2 CLI: only `config` runs, so nothing is built, started or pulled.
describe('loadComposeModel with docker compose', () => {
  let root = '';
  // Compose variables from the test runner's environment must not leak into the projects.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CONFIG: process.env.DOCKER_CONFIG };
  const deps: LoadComposeDeps = { env };

  const project = async (name: string, files: Record<string, string>): Promise<string> => {
    const dir = join(root, name);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    return dir;
  };
  const load = (request: ComposeRequest, extra: LoadComposeDeps = {}) => loadComposeModel(request, { ...deps, ...extra });
  const failure = async (request: ComposeRequest, extra: LoadComposeDeps = {}): Promise<PreevyError> => {
    const err: unknown = await load(request, extra).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isPreevyError(err)) throw new Error(`expected a PreevyError, got ${String(err)}`);
    return err;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'preevy-compose-'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('should load compose.yaml and compose.override.yaml together by default (Preevy loaded one)', async () => {
    const dir = await project('discovery', {
      'compose.yaml': 'services:\n  web:\n    image: base-image\n    labels: { from-base: "1" }\n',
      'compose.override.yaml': 'services:\n  web:\n    labels: { from-override: "1" }\n    ports: ["127.0.0.1:8080:80"]\n',
    });
    const model = await load({ cwd: join(dir) });
    expect(model.files).toEqual([join(dir, 'compose.yaml'), join(dir, 'compose.override.yaml')]);
    expect(model.services.web).toMatchObject({ image: 'base-image', labels: { 'from-base': '1', 'from-override': '1' } });
    expect(model.services.web?.ports).toEqual([{ hostIp: '127.0.0.1', published: 8080, publishedRange: undefined, target: 80, protocol: 'tcp' }]);
    expect(model.projectName).toBe('discovery');
  });

  it('should find the project from a subdirectory, like compose', async () => {
    const dir = await project('walk-up', { 'compose.yaml': 'services:\n  web:\n    image: x\n    volumes: ["./site:/www"]\n', 'src/deep/.keep': '' });
    const model = await load({ cwd: join(dir, 'src', 'deep') });
    expect(model.workingDir).toBe(dir);
    expect(model.services.web?.volumes[0]?.source).toBe(join(dir, 'site'));
  });

  it('should merge several -f files in order, relative to the first file', async () => {
    const dir = await project('multi', {
      'deploy/base.yaml': 'services:\n  web:\n    image: one\n    volumes: ["./data:/data", "cache:/cache"]\nvolumes:\n  cache: {}\n',
      'deploy/prod.yaml': 'services:\n  web:\n    image: two\n  worker:\n    image: w\n    depends_on: [web]\n',
    });
    const model = await load({ files: ['deploy/base.yaml', 'deploy/prod.yaml'], cwd: dir });
    expect(model.files).toEqual([join(dir, 'deploy/base.yaml'), join(dir, 'deploy/prod.yaml')]);
    expect(model.workingDir).toBe(join(dir, 'deploy'));
    expect(model.projectName).toBe('deploy');
    expect(model.services.web?.image).toBe('two');
    expect(model.services.web?.volumes.map((v) => [v.type, v.source])).toEqual([
      ['bind', join(dir, 'deploy', 'data')],
      ['volume', 'cache'],
    ]);
    expect(model.services.worker?.dependsOn).toEqual(['web']);
    expect(Object.keys(model.volumes)).toEqual(['cache']);
  });

  it('should resolve paths and .env against --project-directory, and take the name from -p', async () => {
    const dir = await project('projdir', { 'files/compose.yaml': 'services:\n  web:\n    image: "app:${TAG}"\n    volumes: ["./site:/www"]\n', 'app/.env': 'TAG=from-dotenv\n' });
    const model = await load({ files: ['files/compose.yaml'], projectDirectory: 'app', projectName: 'explicit-name', cwd: dir });
    expect(model.workingDir).toBe(join(dir, 'app'));
    expect(model.projectName).toBe('explicit-name');
    expect(model.services.web?.image).toBe('app:from-dotenv');
    expect(model.services.web?.volumes[0]?.source).toBe(join(dir, 'app', 'site'));
  });

  it('should interpolate from .env, let --env-file replace it, and let the request env win', async () => {
    const dir = await project('dotenv', { 'compose.yaml': 'services:\n  web:\n    image: "app:${TAG}"\n', '.env': 'TAG=dotenv\n', 'other.env': 'TAG=other\n' });
    expect((await load({ cwd: dir })).services.web?.image).toBe('app:dotenv');
    expect((await load({ cwd: dir, envFiles: ['other.env'] })).services.web?.image).toBe('app:other');
    expect((await load({ cwd: dir, env: { TAG: 'request' } })).services.web?.image).toBe('app:request');
  });

  it('should include services of a profile only when the profile is active', async () => {
    const dir = await project('profiles', { 'compose.yaml': 'services:\n  web:\n    image: x\n  debug:\n    image: y\n    profiles: [dev]\n' });
    expect(Object.keys((await load({ cwd: dir })).services)).toEqual(['web']);
    const withDev = await load({ cwd: dir, profiles: ['dev'] });
    expect(Object.keys(withDev.services).sort()).toEqual(['debug', 'web']);
    expect(withDev.services.debug?.profiles).toEqual(['dev']);
  });

  it('should make PREEVY_BASE_URI_<SERVICE>_<PUBLISHED PORT> available to interpolation in a second pass', async () => {
    const dir = await project('base-uri', {
      'compose.yaml': [
        'services:',
        '  web:',
        '    image: x',
        '    ports: ["127.0.0.1:8080:80"]',
        '  front-end:',
        '    image: y',
        '    environment:',
        '      API: ${PREEVY_BASE_URI_WEB_8080:-}',
        '      ALL: ${PREEVY_BASE_URI_WEB_80:-unset}',
        '',
      ].join('\n'),
    });
    const first = await load({ cwd: dir });
    expect(first.raw).toMatchObject({ services: { 'front-end': { environment: { API: '', ALL: 'unset' } } } });
    const env = baseUriEnv(Object.values(first.services), (service, port) => `https://${service}-${port}-pr-1-abc.preview.test`);
    expect(env).toEqual({ PREEVY_BASE_URI_WEB_8080: 'https://web-80-pr-1-abc.preview.test' });
    const second = await load({ cwd: dir, env });
    expect(second.raw).toMatchObject({ services: { 'front-end': { environment: { API: 'https://web-80-pr-1-abc.preview.test', ALL: 'unset' } } } });
  });

  it('should keep x-preevy and report its problems with key paths', async () => {
    const dir = await project('x-preevy', {
      'compose.yaml': 'services:\n  web:\n    image: x\n    labels: { preevy.access: secret }\nx-preevy:\n  drivr: docker\n  services:\n    web: { expose: [http] }\n',
    });
    const model = await load({ cwd: dir });
    expect(model.xPreevy).toEqual({ drivr: 'docker', services: { web: { expose: ['http'] } } });
    let err: unknown;
    try {
      validatePreevyConfig(model);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'X_PREEVY_INVALID' });
    const message = (err as Error).message;
    expect(message).toContain('x-preevy.drivr: unknown key, did you mean "driver"?');
    expect(message).toContain('x-preevy.services.web.expose[0]: expected number, received string');
    expect(message).toContain('service "web", label preevy.access: expected one of public, private, received "secret"');
  });

  describe('errors', () => {
    it('should name the file and line of a YAML syntax error', async () => {
      const dir = await project('bad-yaml', { 'compose.yaml': 'services:\n  web:\n    image: x\n    ports: ["1\n' });
      const err = await failure({ cwd: dir });
      expect(err).toMatchObject({ code: 'COMPOSE_YAML_INVALID', kind: 'invalid-input' });
      expect(err.message).toBe(`Invalid YAML in ${join(dir, 'compose.yaml')} at line 4: found unexpected end of stream`);
      expect((err.cause as Error).message).toContain('yaml: line 4');
    });

    it('should name the override file when the YAML error is there', async () => {
      const dir = await project('bad-override', { 'compose.yaml': 'services:\n  web:\n    image: x\n', 'compose.override.yaml': 'services:\n  web:\n\tports: []\n' });
      const err = await failure({ cwd: dir });
      expect(err.code).toBe('COMPOSE_YAML_INVALID');
      expect(err.message).toContain(`in ${join(dir, 'compose.override.yaml')} at line`);
    });

    it('should report a missing -f file by name', async () => {
      const dir = await project('missing-file', { 'compose.yaml': 'services:\n  web:\n    image: x\n' });
      const err = await failure({ files: ['compose.yaml', 'nope.yaml'], cwd: dir });
      expect(err).toMatchObject({ code: 'COMPOSE_FILE_NOT_FOUND', kind: 'not-found', message: `Compose file not found: ${join(dir, 'nope.yaml')}` });
    });

    it('should report a directory without a compose file', async () => {
      const dir = await project('empty', { 'README.md': 'nothing here\n' });
      const err = await failure({ cwd: dir });
      expect(err).toMatchObject({ code: 'COMPOSE_FILE_MISSING', kind: 'not-found' });
      expect(err.message).toContain(dir);
      expect(err.suggestions.join(' ')).toContain('-f');
    });

    it('should report a missing --env-file by name', async () => {
      const dir = await project('missing-env', { 'compose.yaml': 'services:\n  web:\n    image: x\n' });
      const err = await failure({ cwd: dir, envFiles: ['nope.env'] });
      expect(err).toMatchObject({ code: 'COMPOSE_ENV_FILE_NOT_FOUND', message: `Env file not found: ${join(dir, 'nope.env')}` });
    });

    it('should name a required variable without a value', async () => {
      const dir = await project('required-var', { 'compose.yaml': 'services:\n  web:\n    image: "x:${TAG:?set TAG}"\n' });
      const err = await failure({ cwd: dir });
      expect(err.code).toBe('COMPOSE_VARIABLE_MISSING');
      expect(err.message).toContain('TAG');
    });

    it('should pass compose schema errors through with the file and key', async () => {
      const dir = await project('schema', { 'compose.yaml': 'services:\n  web:\n    imag: x\n' });
      const err = await failure({ cwd: dir });
      expect(err.code).toBe('COMPOSE_INVALID');
      expect(err.message).toContain(`${join(dir, 'compose.yaml')}: services.web Additional property imag is not allowed`);
    });

    it('should report a docker CLI that is not installed as unavailable', async () => {
      const dir = await project('no-docker', { 'compose.yaml': 'services:\n  web:\n    image: x\n' });
      const err = await failure({ cwd: dir }, { docker: join(root, 'no-such-docker') });
      expect(err).toMatchObject({ code: 'COMPOSE_UNAVAILABLE', kind: 'unavailable' });
      expect(err.suggestions.join(' ')).toContain('Compose v2');
    });

    it('should report a compose plugin too old for config --format json as unavailable', async () => {
      // A fake plugin in a private DOCKER_CONFIG shadows the real one: the docker CLI looks there first.
      const config = await project('old-compose-config', {});
      const plugin = join(config, 'cli-plugins', 'docker-compose');
      await mkdir(dirname(plugin), { recursive: true });
      await writeFile(
        plugin,
        [
          '#!/bin/sh',
          'if [ "$1" = docker-cli-plugin-metadata ]; then echo \'{"SchemaVersion":"0.1.0","Vendor":"test","Version":"v1.29.2"}\'; exit 0; fi',
          'echo "unknown flag: --format" >&2',
          'exit 1',
          '',
        ].join('\n'),
      );
      await chmod(plugin, 0o755);
      const dir = await project('old-compose', { 'compose.yaml': 'services:\n  web:\n    image: x\n' });
      const err = await failure({ cwd: dir }, { env: { ...env, DOCKER_CONFIG: config } });
      expect(err).toMatchObject({ code: 'COMPOSE_UNAVAILABLE', kind: 'unavailable' });
      expect(err.message).toContain('unknown flag: --format');
    });
  });
});
