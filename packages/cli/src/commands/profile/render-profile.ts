import type { OpenedProfile, Profile, ProfileCatalog, ProfileListEntry, ProfileStore } from '@preevy/core';

/** A profile as the profile commands return it under `--json`. */
export interface ProfileView extends Profile {
  current: boolean;
  /** A remote profile: where it lives (s3://…). */
  store?: string;
}

const EMBEDDED = '(embedded local server)';

const formatValue = (v: string | number | boolean): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Human-readable settings of a profile; the public key only (the private key is never printed). */
export const renderProfile = (p: ProfileView): string => {
  const options = Object.entries(p.driverOptions);
  return [
    `name:       ${p.name}${p.current ? ' (current)' : ''}`,
    `driver:     ${p.driver}`,
    `options:    ${options.length ? options.map(([k, v]) => `${k}=${formatValue(v)}`).join(', ') : '(none)'}`,
    `tunnel:     ${p.tunnelUrl ?? EMBEDDED}`,
    ...(p.tunnelUrl === undefined ? [] : [`host key:   ${p.tunnelHostKey ?? '(not pinned yet: the next up pins the key the server shows)'}`]),
    `client id:  ${p.clientId}`,
    `public key: ${p.publicKey}`,
    ...(p.store === undefined ? [] : [`store:      ${p.store}`]),
    `created:    ${p.createdAt}`,
    `updated:    ${p.updatedAt}`,
  ].join('\n');
};

/** The `profile ls` table: columns padded to their widest cell. */
export const renderProfileTable = (entries: readonly ProfileListEntry[]): string => {
  if (!entries.length) return 'No profiles yet: create one with `preevy init` (or let `preevy up` create "default").';
  // The STORE column only appears once a remote profile is linked.
  const remote = entries.some((e) => e.store !== undefined);
  const rows = [
    ['NAME', 'CURRENT', 'DRIVER', 'TUNNEL', ...(remote ? ['STORE'] : [])],
    ...entries.map((e) => [
      e.name,
      e.current ? '*' : '',
      e.problem ? `(unreadable: ${e.problem})` : (e.driver ?? ''),
      e.problem ? '' : (e.tunnelUrl ?? EMBEDDED),
      ...(remote ? [e.store ?? '(local)'] : []),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
};

/** Adds whether `profile` is the current one. */
export const viewOf = async (store: Pick<ProfileStore, 'currentName'>, profile: Profile): Promise<ProfileView> => ({
  ...profile,
  current: (await store.currentName().catch(() => undefined)) === profile.name,
});

/** The view of a profile the catalog opened: a remote one says where it lives, and is current only when its link is. */
export const viewOfOpened = async (catalog: ProfileCatalog, { store, profile, location }: OpenedProfile, linkName?: string): Promise<ProfileView> =>
  location === undefined ? viewOf(store, profile) : { ...profile, current: await catalog.isCurrent(linkName), store: location };
