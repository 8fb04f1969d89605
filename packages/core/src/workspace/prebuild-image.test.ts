import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDevcontainerConfig } from './devcontainer-config.js';
import {
  buildKeys, collectPrebuildInputs, composeHasReset, composeImageKeys, fromPrebuiltImage, isPrebuildTag, prebuildLabelArgs, localVariables, prebuildTag, withBuildReset, withoutConfigEntry, type ComposeServiceLoader, type PrebuildInputs,
} from './prebuild-image.js';

const FIXTURE = resolve(import.meta.dirname, '../../../../test/fixtures/workspace-basic');
const copy = (): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'prebuild-')), 'src');
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
};
const tagOf = async (dir: string, env: NodeJS.ProcessEnv = {}): Promise<string> => prebuildTag(await collectPrebuildInputs(await loadDevcontainerConfig(dir), env));
const devcontainerJson = (dir: string) => join(dir, '.devcontainer', 'devcontainer.json');

describe('prebuildTag', () => {
  const base: PrebuildInputs = { keys: { image: 'node:20', features: { a: {}, b: { x: 1 } } }, variables: {}, files: { 'context:Dockerfile': { sha256: 'ab', mode: 0o100644 } } };

  it('should be the same for the same inputs, whatever the key order', () => {
    expect(prebuildTag(base)).toMatch(/^preevy-ws-[0-9a-f]{16}$/);
    expect(prebuildTag({ ...base, keys: { features: { b: { x: 1 }, a: {} }, image: 'node:20' } })).toBe(prebuildTag(base));
  });

  it('should change with any key, variable, file content, file mode or file name', () => {
    const tags = [
      base,
      { ...base, keys: { ...base.keys, image: 'node:22' } },
      { ...base, variables: { 'env:X': '1' } },
      { ...base, files: { 'context:Dockerfile': { sha256: 'ac', mode: 0o100644 } } },
      { ...base, files: { 'context:Dockerfile': { sha256: 'ab', mode: 0o100755 } } },
      { ...base, files: { 'context:Dockerfile2': { sha256: 'ab', mode: 0o100644 } } },
    ].map(prebuildTag);
    expect(new Set(tags).size).toBe(tags.length);
  });
});

describe('collectPrebuildInputs', () => {
  it('should give the same tag to two folders with the same config and build files', async () => {
    const a = copy();
    const b = copy();
    writeFileSync(join(b, 'notes.txt'), 'a source edit outside the build context\n');
    expect(await tagOf(a)).toBe(await tagOf(b));
  });

  it('should change the tag with the Dockerfile, a context file, a local feature file or a build key, not with other keys', async () => {
    const dir = copy();
    const tags = [await tagOf(dir)];
    writeFileSync(join(dir, '.devcontainer', 'Dockerfile'), 'FROM x\n');
    tags.push(await tagOf(dir));
    writeFileSync(join(dir, '.devcontainer', 'extra.txt'), 'in the context\n');
    tags.push(await tagOf(dir));
    writeFileSync(join(dir, '.devcontainer', 'hello', 'install.sh'), '#!/bin/sh\n');
    tags.push(await tagOf(dir));
    const file = devcontainerJson(dir);
    writeFileSync(file, readFileSync(file, 'utf8').replace('hi from the feature', 'hello again'));
    tags.push(await tagOf(dir));
    expect(new Set(tags).size).toBe(tags.length);
    writeFileSync(file, readFileSync(file, 'utf8').replace('date >> /tmp/post-create.log', 'true').replace('[8080]', '[9090]'));
    expect(await tagOf(dir)).toBe(tags.at(-1));
  });

  it("should take only a compose devcontainer's feature keys from devcontainer.json (its service builds the image)", () => {
    expect(buildKeys({ dockerComposeFile: 'c.yaml', service: 'app', features: { './f': {} }, remoteUser: 'node', image: 'ignored', postCreateCommand: 'x' })).toEqual({ features: { './f': {} }, remoteUser: 'node' });
  });
});

describe('composeImageKeys', () => {
  it("should keep what the service's image is made of, with the context relative to the sources", () => {
    const service = { build: { context: '/src/app/.devcontainer', dockerfile: 'Dockerfile', args: { A: '1' }, target: 'dev' }, image: 'x', user: 'node', command: ['sleep'], volumes: [{}], environment: { E: '1' } };
    expect(composeImageKeys(service, '/src/app')).toEqual({ build: { context: '.devcontainer', dockerfile: 'Dockerfile', args: { A: '1' }, target: 'dev' }, image: 'x', user: 'node' });
    expect(composeImageKeys({ ...service, build: { ...service.build, context: '/other/app/.devcontainer' } }, '/other/app')).toEqual(composeImageKeys(service, '/src/app'));
    expect(composeImageKeys({ build: { context: '/src/app' } }, '/src/app')).toEqual({ build: { context: '.' } });
    expect(composeImageKeys({ build: { context: '/shared/base' } }, '/src/app')).toEqual({ build: { context: '/shared/base' } });
    expect(composeImageKeys({ build: { context: 'https://github.com/me/x.git#main' } }, '/src/app')).toEqual({ build: { context: 'https://github.com/me/x.git#main' } });
  });
});

describe('collectPrebuildInputs of a compose devcontainer', () => {
  const COMPOSE = resolve(import.meta.dirname, '../../../../test/fixtures/workspace-compose');
  // The service as compose resolves it: context absolute, the other keys as written.
  const loader = (extra: Record<string, unknown> = {}): ComposeServiceLoader => async (config) => ({
    build: { context: join(config.folder, '.devcontainer'), dockerfile: 'Dockerfile' }, command: ['sleep', 'infinity'], ...extra,
  });
  const composeCopy = (): string => {
    const dir = join(mkdtempSync(join(tmpdir(), 'prebuild-compose-')), 'src');
    cpSync(COMPOSE, dir, { recursive: true });
    writeFileSync(join(dir, '.devcontainer', 'Dockerfile'), 'FROM preevy-test/node:20\n');
    return dir;
  };
  const composeTag = async (dir: string, load = loader()): Promise<string> => prebuildTag(await collectPrebuildInputs(await loadDevcontainerConfig(dir), {}, load));

  it("should hash the service's definition, Dockerfile and context files the same in two folders of the same sources", async () => {
    const inputs = await collectPrebuildInputs(await loadDevcontainerConfig(composeCopy()), {}, loader());
    expect(inputs.keys).toEqual({ composeService: { build: { context: '.devcontainer', dockerfile: 'Dockerfile' } } });
    // devcontainer.json and compose.yaml count by their keys only.
    expect(Object.keys(inputs.files).sort()).toEqual(['context:Dockerfile', 'context:www/index.html', 'dockerfile']);
    const b = composeCopy();
    writeFileSync(join(b, 'notes.txt'), 'an edit outside the build context\n');
    // The build writes the lockfile into the sources: the next hash must not see it.
    writeFileSync(join(b, '.devcontainer', 'devcontainer-lock.json'), '{ "features": {} }\n');
    expect(await composeTag(b)).toBe(prebuildTag(inputs));
  });

  it("should change the tag with the Dockerfile, a context file, the service's build or a feature, not with another service or a lifecycle command", async () => {
    const dir = composeCopy();
    const tags = [await composeTag(dir)];
    writeFileSync(join(dir, '.devcontainer', 'Dockerfile'), 'FROM preevy-test/node:22\n');
    tags.push(await composeTag(dir));
    writeFileSync(join(dir, '.devcontainer', 'www', 'index.html'), 'changed\n');
    tags.push(await composeTag(dir));
    tags.push(await composeTag(dir, loader({ user: 'node' })));
    const json = join(dir, '.devcontainer', 'devcontainer.json');
    writeFileSync(json, readFileSync(json, 'utf8').replace('"service": "app",', '"service": "app",\n  "features": { "./f": {} },'));
    tags.push(await composeTag(dir));
    expect(new Set(tags).size).toBe(tags.length);
    const compose = join(dir, '.devcontainer', 'compose.yaml');
    writeFileSync(compose, readFileSync(compose, 'utf8').replace('httpd -f -p 80', 'httpd -f -p 81'));
    writeFileSync(json, readFileSync(json, 'utf8').replace('date >> /tmp/post-create.log', 'true'));
    expect(await composeTag(dir)).toBe(tags.at(-1));
  });

  it('should hash an image-only service by its image', async () => {
    const dir = composeCopy();
    const a = await collectPrebuildInputs(await loadDevcontainerConfig(dir), {}, async () => ({ image: 'preevy-test/node:20' }));
    expect(a).toMatchObject({ keys: { composeService: { image: 'preevy-test/node:20' } }, files: {} });
    expect(await composeTag(dir, async () => ({ image: 'preevy-test/node:22' }))).not.toBe(prebuildTag(a));
  });
});

describe('localVariables', () => {
  it('should name the local values a build substitutes', () => {
    expect(localVariables('{"args":{"A":"${localEnv:FOO}","B":"${localEnv:BAR:dflt}","C":"${localWorkspaceFolderBasename}"}}', '/src/app', { FOO: 'foo' })).toEqual({
      'env:FOO': 'foo',
      'env:BAR': 'dflt',
      localWorkspaceFolderBasename: 'app',
    });
  });
});

describe('fromPrebuiltImage', () => {
  it('should start from the tag and keep everything that is not a build input', () => {
    const json = { name: 'n', build: { dockerfile: 'Dockerfile' }, features: { './hello': {} }, postCreateCommand: 'x', remoteUser: 'node', workspaceFolder: '/w' };
    expect(fromPrebuiltImage(json, 'preevy-ws-1')).toEqual({ name: 'n', postCreateCommand: 'x', remoteUser: 'node', workspaceFolder: '/w', image: 'preevy-ws-1' });
  });
});

describe('fromPrebuiltImage of a compose devcontainer', () => {
  it('should drop only the features: the service gets the image in a compose file', () => {
    const json = { dockerComposeFile: ['c.yaml', '/w/o.yaml'], service: 'app', features: { './f': {} }, overrideFeatureInstallOrder: ['./f'], postCreateCommand: 'x', remoteUser: 'node' };
    expect(fromPrebuiltImage(json, 'preevy-ws-1')).toEqual({ dockerComposeFile: ['c.yaml', '/w/o.yaml'], service: 'app', postCreateCommand: 'x', remoteUser: 'node' });
  });
});

describe('withBuildReset', () => {
  it('should tag only a key line `"build": null`', () => {
    const text = `${JSON.stringify({ services: { app: { image: 'i', build: null, labels: { x: '"build": null' } }, web: { build: null } } }, null, 2)}\n`;
    const out = withBuildReset(text);
    expect(out.match(/!reset null/g)).toHaveLength(2);
    expect(out).toContain('"build": !reset null,\n');
    expect(out).toContain('"x": "\\"build\\": null"');
  });

  it("should know the Compose versions with `!reset`", () => {
    expect(['2.24.0', 'v2.32.4\n', '2.40.1-desktop.1', '3.0.0'].map(composeHasReset)).toEqual([true, true, true, true]);
    expect(['2.23.3', 'v2.20.2', '1.29.2', ''].map(composeHasReset)).toEqual([false, false, false, false]);
  });

  it('should name prebuilt images', () => {
    expect(isPrebuildTag('preevy-ws-0123456789abcdef')).toBe(true);
    expect(isPrebuildTag('preevy-ws-0123456789abcdef:build')).toBe(false);
    expect(isPrebuildTag('vsc-app-features')).toBe(false);
  });
});

describe('prebuildLabelArgs', () => {
  it("should blank the compose project labels a compose build left (else the project's `down --rmi local` removes the shared image)", () => {
    expect(prebuildLabelArgs({ 'com.docker.compose.project': 'p_devcontainer', 'com.docker.compose.service': 'app', other: 'x' }, '[]')).toEqual([
      '--label', 'devcontainer.metadata=[]', '--label', 'dev.preevy.workspace-prebuild=1', '--label', 'com.docker.compose.project=', '--label', 'com.docker.compose.service=',
    ]);
    expect(prebuildLabelArgs({}, '[]')).toEqual(['--label', 'devcontainer.metadata=[]', '--label', 'dev.preevy.workspace-prebuild=1']);
  });
});

describe('withoutConfigEntry', () => {
  const json = { build: { dockerfile: 'D' }, postCreateCommand: 'date', containerEnv: { A: '1' } };

  it("should drop the config's own entry (the last) and keep the features'", () => {
    const label = JSON.stringify([{ id: './hello' }, { postCreateCommand: 'date', containerEnv: { A: '1' } }]);
    expect(JSON.parse(withoutConfigEntry(label, json)!)).toEqual([{ id: './hello' }]);
  });

  it('should keep the label when the config adds nothing to it', () => {
    const label = JSON.stringify([{ id: './hello' }]);
    expect(withoutConfigEntry(label, { image: 'x' })).toBe(label);
  });

  it('should refuse a label it does not recognise', () => {
    expect(withoutConfigEntry('not json', json)).toBeUndefined();
    expect(withoutConfigEntry(JSON.stringify([{ id: './hello', postCreateCommand: 'date' }]), json)).toBeUndefined();
    expect(withoutConfigEntry(JSON.stringify([{ postCreateCommand: 'date', other: 1 }]), json)).toBeUndefined();
  });
});
