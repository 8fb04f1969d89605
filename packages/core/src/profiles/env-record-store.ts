import { ENV_ID_RULE } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/index.js';
import { envIdSchema, envRecordSchema, type EnvHost, type EnvRecord, type EnvStatus, type EnvUrl, type WorkspaceRecord } from './profile-schema.js';
import { zodProblems } from './zod-problems.js';

/** What `up` writes about an environment; the store sets the timestamps. */
export interface EnvRecordInput {
  envId: string;
  composeProject: string;
  driver: string;
  status: EnvStatus;
  urls?: EnvUrl[];
  /** The host `ensureHost` returned; kept from the previous record when absent. */
  host?: EnvHost | undefined;
  /** Written by `up`: the record's `lastUpAt` becomes now (`purge` and `ls` age go by it). */
  deployed?: boolean;
  /** A workspace's details; kept from the previous record when absent. */
  workspace?: WorkspaceRecord | undefined;
}

/** Computes the next record from the one stored (undefined: none yet); it may run again if the store retries. */
export type EnvRecordUpdater = (previous: EnvRecord | undefined) => EnvRecordInput;

/**
 * The environment records of one profile: what `up` wrote and `ls`, `urls`, `logs` and `down`
 * read. Implemented by the local profile directory, and meant for remote stores and for drivers
 * that find their hosts themselves.
 */
export interface EnvRecordStore {
  /** Undefined when there is no record of `envId`. */
  read(envId: string): Promise<EnvRecord | undefined>;
  /** Every record, ordered by env id. */
  list(): Promise<EnvRecord[]>;
  /** Read-modify-write of one record, exclusive against every other writer, so concurrent commands lose no update. */
  update(envId: string, updater: EnvRecordUpdater): Promise<EnvRecord>;
  /** True when there was a record to remove. */
  remove(envId: string): Promise<boolean>;
}

/** `envId` if it is a valid environment id, else ENV_ID_INVALID; checked before a store touches anything. */
export const validEnvId = (envId: string): string => {
  if (envIdSchema.safeParse(envId).success) return envId;
  throw new PreevyError(`Invalid environment id "${envId}".`, {
    code: 'ENV_ID_INVALID',
    kind: 'invalid-input',
    suggestions: [`An environment id is ${ENV_ID_RULE}; \`preevy env-id --id NAME\` shows what NAME becomes.`],
  });
};

/**
 * The record an update stores: `input` over `previous`, keeping its URLs when the input has none,
 * its host, its creation time and (unless `up` writes it) when `up` last ran. Throws ENV_RECORD_INVALID (a bug in the caller) for a record of another
 * environment or one the schema refuses.
 */
export const nextEnvRecord = (envId: string, input: EnvRecordInput, previous: EnvRecord | undefined, now: Date): EnvRecord => {
  const at = now.toISOString();
  const parsed = envRecordSchema.safeParse({
    version: 1,
    envId: input.envId,
    composeProject: input.composeProject,
    driver: input.driver,
    status: input.status,
    urls: input.urls ?? previous?.urls ?? [],
    ...(input.host ?? previous?.host ? { host: input.host ?? previous?.host } : {}),
    ...(input.workspace ?? previous?.workspace ? { workspace: input.workspace ?? previous?.workspace } : {}),
    createdAt: previous?.createdAt ?? at,
    updatedAt: at,
    ...(input.deployed ? { lastUpAt: at } : previous?.lastUpAt ? { lastUpAt: previous.lastUpAt } : {}),
  });
  if (parsed.success && input.envId === envId) return parsed.data;
  throw new PreevyError(`Invalid record for environment "${envId}": ${parsed.success ? `its envId is "${input.envId}"` : zodProblems(parsed.error).join('; ')}.`, {
    code: 'ENV_RECORD_INVALID',
    kind: 'internal',
  });
};
