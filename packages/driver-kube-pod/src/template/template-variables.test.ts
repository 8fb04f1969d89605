import { describe, expect, it } from 'vitest';
import type { KubePodOptions } from '../options.js';
import { templateVariables, yamlEntries } from './template-variables.js';

const options: KubePodOptions = {
  namespace: 'from-option',
  'server-side-apply': true,
  'dind-image': 'docker:27-dind',
  'create-namespace': false,
  'storage-size': undefined,
  cpu: '250m',
  memory: '512Mi',
  'ready-timeout': 300,
};

describe('templateVariables', () => {
  it('should give each option in camelCase, an unset one as null, and the context over an option of the same name', () => {
    const vars = templateVariables({ namespace: 'ns', id: 'h-abc123', labels: { a: 'b' }, options });
    expect(vars).toMatchObject({ namespace: 'ns', id: 'h-abc123', labels: { a: 'b' }, options, dindImage: 'docker:27-dind', createNamespace: false, readyTimeout: 300, storageSize: null });
  });

  it('should declare an option the resolved options leave out, as null', () => {
    const vars = templateVariables({ namespace: 'ns', id: 'h', labels: {}, options });
    expect(vars).toMatchObject({ storageClass: null, serviceAccount: null, kubeconfig: null });
  });
});

describe('yamlEntries', () => {
  it('should write sorted, quoted entries, indenting the lines after the first', () => {
    expect(yamlEntries({ 'z.io/b': 'x: y', 'a.io/a': 'true' }, 4)).toBe('"a.io/a": "true"\n    "z.io/b": "x: y"');
    expect(yamlEntries({}, 4)).toBe('');
  });
});
