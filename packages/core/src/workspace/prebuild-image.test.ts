import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDevcontainerConfig } from './devcontainer-config.js';
import { buildKeys, collectPrebuildInputs, fromPrebuiltImage, localVariables, prebuildTag, withoutConfigEntry, type PrebuildInputs } from './prebuild-image.js';

const FIXTURE = resolve(import.meta.dirname, '../../../../test/fixtures/workspace-basic');
const copy = (): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'prebuild-')), 'src');
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
};
const tagOf = async (dir: string, env: NodeJS.ProcessEnv = {}): Promise<string> => prebuildTag((await collectPrebuildInputs(await loadDevcontainerConfig(dir), env))!);
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
    const { readFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('hi from the feature', 'hello again'));
    tags.push(await tagOf(dir));
    expect(new Set(tags).size).toBe(tags.length);
    writeFileSync(file, readFileSync(file, 'utf8').replace('date >> /tmp/post-create.log', 'true').replace('[8080]', '[9090]'));
    expect(await tagOf(dir)).toBe(tags.at(-1));
  });

  it('should skip compose devcontainers', async () => {
    expect(buildKeys({ dockerComposeFile: 'c.yaml', service: 'app' })).toBeUndefined();
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
