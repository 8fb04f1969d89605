import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PreevyError } from '../errors/preevy-error.js';
import { loadDevcontainerConfig, parseDevcontainerJson } from './devcontainer-config.js';

const parse = (text: string) => parseDevcontainerJson(text, '/src/.devcontainer/devcontainer.json', '/src');
const problem = (text: string): string => {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(PreevyError);
    expect((err as PreevyError).code).toBe('DEVCONTAINER_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('parseDevcontainerJson', () => {
  it('should read JSON with comments and trailing commas, keeping ${} variables for the reference CLI', () => {
    const json = parse('{\n // a comment\n "image": "debian", "remoteEnv": { "P": "${containerEnv:PATH}" },\n}');
    expect(json).toMatchObject({ image: 'debian', remoteEnv: { P: '${containerEnv:PATH}' } });
  });

  it('should name the file and the line of a syntax error', () => {
    expect(problem('{\n "image": "debian"\n "name": "x"\n}')).toBe('.devcontainer/devcontainer.json: CommaExpected at line 3, column 2');
  });

  it('should name the key of a wrong type, down to the array index', () => {
    expect(problem('{ "image": "debian", "forwardPorts": [8080, true] }')).toMatch(/^\.devcontainer\/devcontainer\.json: "forwardPorts\[1\]" /);
    expect(problem('{ "build": { "dockerfile": "D", "args": { "A": 1 } } }')).toMatch(/"build\.args\.A" /);
    expect(problem('{ "image": "x", "workspaceFolder": "rel" }')).toMatch(/"workspaceFolder" must be an absolute path/);
  });

  it('should want something to build from, and a service with a compose file', () => {
    expect(problem('{ "name": "x" }')).toMatch(/needs one of "image", "build.dockerfile" or "dockerComposeFile"/);
    expect(problem('{ "dockerComposeFile": "compose.yaml" }')).toMatch(/"service" is required/);
  });

  it('should accept the keys of the spec it supports', () => {
    const json = parse(JSON.stringify({
      dockerComposeFile: ['a.yaml', 'b.yaml'], service: 'app', runServices: ['db'], features: { './f': {}, 'ghcr.io/x/y:1': 'latest' },
      remoteUser: 'node', mounts: ['source=a,target=/a,type=volume', { source: 'b', target: '/b', type: 'volume' }], runArgs: ['--init'],
      forwardPorts: [3000, 'db:5432'], portsAttributes: { 3000: { label: 'web', protocol: 'http', requireLocalPort: true } },
      postCreateCommand: { a: 'x', b: ['y', 'z'] }, unknownKey: 1,
    }));
    expect(json.service).toBe('app');
  });
});

describe('loadDevcontainerConfig', () => {
  it('should find .devcontainer/devcontainer.json, then .devcontainer.json, and say where it looked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-'));
    const missing = await loadDevcontainerConfig(dir).catch((err: unknown) => err as PreevyError);
    expect(missing).toMatchObject({ code: 'DEVCONTAINER_NOT_FOUND' });
    expect((missing as PreevyError).message).toContain('.devcontainer/devcontainer.json, .devcontainer.json');
    writeFileSync(join(dir, '.devcontainer.json'), '{ "image": "b" }');
    expect((await loadDevcontainerConfig(dir)).json.image).toBe('b');
    mkdirSync(join(dir, '.devcontainer'));
    writeFileSync(join(dir, '.devcontainer', 'devcontainer.json'), '{ "image": "a" }');
    const found = await loadDevcontainerConfig(dir);
    expect(found).toMatchObject({ file: join(dir, '.devcontainer', 'devcontainer.json'), folder: dir, json: { image: 'a' } });
  });
});
