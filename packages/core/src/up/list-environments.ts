import type { DockerHostDriver, ListedHost } from '../driver/docker-host-driver.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { EnvRecord } from '../profiles/profile-schema.js';

/** One environment of a profile: from its record, from the hosts its driver lists, or both. */
export interface EnvironmentEntry {
  envId: string;
  driver: string;
  /** Absent when only the driver's infrastructure knows it (a record on another machine). */
  status?: EnvRecord['status'];
  urls?: EnvRecord['urls'];
  updatedAt?: string;
  /** When an `up` last ran for it, by the record or the host (the later one); absent when neither says. */
  lastUpAt?: string;
  /** The driver's word on the host (a machine's state and type), when it lists hosts. */
  host?: string;
  /** When the host last saw a visitor or a preevy command, when its driver keeps that. */
  lastActivityAt?: string;
  source: 'record' | 'driver' | 'both';
}

const later = (a: string | undefined, b: string | undefined): string | undefined => (a && b ? (Date.parse(a) >= Date.parse(b) ? a : b) : (a ?? b));

/**
 * Every environment of a profile: its records, and, with a driver whose hosts carry labels, the
 * hosts that the infrastructure lists (so a fresh CI runner sees what other runners made).
 */
export const listEnvironments = async ({ envs, driver, profileId }: { envs: EnvRecordStore; driver: DockerHostDriver; profileId: string }): Promise<EnvironmentEntry[]> => {
  const records = await envs.list();
  const hosts: ListedHost[] = driver.hostPerEnvironment ? await driver.listHosts({ profileId }) : [];
  const hostOf = new Map(hosts.map((h) => [h.envId, h]));
  const fromRecords = records.map((r): EnvironmentEntry => {
    const host = hostOf.get(r.envId);
    // A record from before lastUpAt was kept: its last write is the best age there is.
    const lastUpAt = later(r.lastUpAt ?? r.updatedAt, host?.lastUpAt);
    return { envId: r.envId, driver: r.driver, status: r.status, urls: r.urls, updatedAt: r.updatedAt, ...(lastUpAt ? { lastUpAt } : {}), ...(host?.summary ? { host: host.summary } : {}), ...(host?.lastActivityAt ? { lastActivityAt: host.lastActivityAt } : {}), source: host ? 'both' : 'record' };
  });
  const known = new Set(records.map((r) => r.envId));
  const fromHosts = hosts
    .filter((h) => !known.has(h.envId))
    .map((h): EnvironmentEntry => ({ envId: h.envId, driver: h.driver, ...(h.lastUpAt ? { lastUpAt: h.lastUpAt } : {}), ...(h.summary ? { host: h.summary } : {}), ...(h.lastActivityAt ? { lastActivityAt: h.lastActivityAt } : {}), source: 'driver' }));
  return [...fromRecords, ...fromHosts].sort((a, b) => a.envId.localeCompare(b.envId));
};
