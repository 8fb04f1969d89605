import { describe, expect, it } from 'vitest';
import { composeConfigError, parseYamlError } from './compose-errors.js';

const fail = (stderr: string, files: string[] = ['/p/compose.yaml'], yamlFile?: string) =>
  composeConfigError({ exitCode: 15, stderr, files, workingDir: '/p', yamlFile });

// The stderr lines below are what Compose v2.32 prints.
describe('composeConfigError', () => {
  it('should name the file and line of a YAML error', () => {
    const err = fail('yaml: line 4: found unexpected end of stream\n');
    expect(err).toMatchObject({ code: 'COMPOSE_YAML_INVALID', kind: 'invalid-input' });
    expect(err.message).toBe('Invalid YAML in /p/compose.yaml at line 4: found unexpected end of stream');
    expect(err.suggestions[0]).toContain('line 4');
  });

  it('should name the culprit among several files when the caller found it', () => {
    const err = fail('yaml: line 3: found a tab character that violates indentation', ['/p/a.yaml', '/p/b.yaml'], '/p/b.yaml');
    expect(err.message).toBe('Invalid YAML in /p/b.yaml at line 3: found a tab character that violates indentation');
  });

  it('should list the candidates when the culprit is unknown', () => {
    expect(fail('yaml: line 3: x', ['/p/a.yaml', '/p/b.yaml']).message).toContain('one of /p/a.yaml, /p/b.yaml');
  });

  it('should keep compose output as the cause', () => {
    const err = fail('WARN[0000] something\nyaml: line 1: did not find expected key');
    expect((err.cause as Error).message).toContain('exited with code 15: WARN[0000] something\nyaml: line 1');
  });

  it('should report a missing -f file as not found, naming it', () => {
    const err = fail('open /p/nope.yaml: no such file or directory');
    expect(err).toMatchObject({ code: 'COMPOSE_FILE_NOT_FOUND', kind: 'not-found', message: 'Compose file not found: /p/nope.yaml' });
  });

  it('should report a missing env file, from --env-file or env_file', () => {
    expect(fail("Couldn't find env file: /p/x.env")).toMatchObject({ code: 'COMPOSE_ENV_FILE_NOT_FOUND', message: 'Env file not found: /p/x.env' });
    expect(fail('env file /p/y.env not found: stat /p/y.env: no such file or directory')).toMatchObject({ code: 'COMPOSE_ENV_FILE_NOT_FOUND', message: 'Env file not found: /p/y.env' });
  });

  it('should report that no compose file exists, naming the directory', () => {
    const err = fail('no configuration file provided: not found', []);
    expect(err).toMatchObject({ code: 'COMPOSE_FILE_MISSING', kind: 'not-found' });
    expect(err.message).toContain('/p');
    expect(err.message).toContain('compose.yaml');
  });

  it('should name a required variable that has no value', () => {
    const err = fail('error while interpolating services.web.image: required variable TAG is missing a value: set TAG');
    expect(err).toMatchObject({ code: 'COMPOSE_VARIABLE_MISSING', kind: 'invalid-input' });
    expect(err.suggestions[0]).toContain('TAG');
  });

  it('should report a missing compose plugin or an old compose as unavailable', () => {
    expect(fail("docker: unknown command: docker compose\n\nRun 'docker --help' for more information")).toMatchObject({ code: 'COMPOSE_UNAVAILABLE', kind: 'unavailable' });
    expect(fail('unknown flag: --format')).toMatchObject({ code: 'COMPOSE_UNAVAILABLE', kind: 'unavailable' });
  });

  it('should pass any other compose complaint through as invalid input', () => {
    const err = fail('validating /p/compose.yaml: services.web Additional property imag is not allowed');
    expect(err).toMatchObject({ code: 'COMPOSE_INVALID', kind: 'invalid-input' });
    expect(err.message).toContain('/p/compose.yaml: services.web Additional property imag');
  });
});

describe('parseYamlError', () => {
  it('should read the line and detail, and ignore other errors', () => {
    expect(parseYamlError('yaml: line 7: mapping values are not allowed in this context')).toEqual({ line: 7, detail: 'mapping values are not allowed in this context' });
    expect(parseYamlError('yaml: control characters are not allowed')).toEqual({ line: undefined, detail: 'control characters are not allowed' });
    expect(parseYamlError('validating x: y')).toBeUndefined();
  });
});
