import { describe, expect, it } from 'vitest';
import { nextEnvRecord, validEnvId } from './env-record-store.js';
import type { EnvRecord } from './profile-schema.js';
import type { PreevyError } from '../errors/index.js';

const thrown = (fn: () => unknown): PreevyError => {
  try {
    fn();
  } catch (err) {
    return err as PreevyError;
  }
  throw new Error('expected a throw');
};

const T0 = new Date('2026-03-01T10:00:00.000Z');
const T1 = new Date('2026-03-01T10:01:00.000Z');
const urls = [{ service: 'web', port: 80, url: 'http://web-80-e1.example.com/' }];
const previous: EnvRecord = { version: 1, envId: 'e1', composeProject: 'app', driver: 'docker', status: 'up', urls, createdAt: T0.toISOString(), updatedAt: T0.toISOString() };

describe('nextEnvRecord', () => {
  it('should keep the creation time and the URLs of the previous record when the input has none', () => {
    expect(nextEnvRecord('e1', { envId: 'e1', composeProject: 'app', driver: 'docker', status: 'deleting' }, previous, T1)).toEqual({
      ...previous,
      status: 'deleting',
      updatedAt: T1.toISOString(),
    });
  });

  it('should set lastUpAt when up writes the record, and keep it through other writes', () => {
    const deployed = nextEnvRecord('e1', { envId: 'e1', composeProject: 'app', driver: 'docker', status: 'up', deployed: true }, previous, T1);
    expect(deployed.lastUpAt).toBe(T1.toISOString());
    const T2 = new Date('2026-03-02T10:00:00.000Z');
    const deleting = nextEnvRecord('e1', { envId: 'e1', composeProject: 'app', driver: 'docker', status: 'deleting' }, deployed, T2);
    expect(deleting).toMatchObject({ lastUpAt: T1.toISOString(), updatedAt: T2.toISOString() });
  });

  it('should refuse a record of another environment or one the schema refuses', () => {
    const other = thrown(() => nextEnvRecord('e1', { envId: 'e2', composeProject: 'app', driver: 'docker', status: 'up' }, undefined, T1));
    expect(other.code).toBe('ENV_RECORD_INVALID');
    expect(other.message).toContain('its envId is "e2"');
    const invalid = thrown(() => nextEnvRecord('e1', { envId: 'e1', composeProject: '', driver: 'docker', status: 'up' }, undefined, T1));
    expect(invalid.code).toBe('ENV_RECORD_INVALID');
    expect(invalid.message).toContain('composeProject');
  });
});

describe('validEnvId', () => {
  it('should pass a valid id through and refuse a path with the rule as the remedy', () => {
    expect(validEnvId('app-pr-12')).toBe('app-pr-12');
    const err = thrown(() => validEnvId('../etc'));
    expect(err).toMatchObject({ code: 'ENV_ID_INVALID', kind: 'invalid-input' });
    expect(err.suggestions.join()).toContain('preevy env-id --id NAME');
  });
});
