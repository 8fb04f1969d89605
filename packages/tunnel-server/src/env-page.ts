import type { EnvInfo, TunnelAccess } from '@preevy/tunnel-protocol';
import { escape, page } from './pages.js';

/** One row of the services table: a service the agent publishes or a tunnel the server holds. */
export interface EnvPageService {
  /** The compose service; absent for a tunnel of a stock SSH client, which has only its name. */
  service: string | undefined;
  name: string;
  port: number | undefined;
  url: string;
  access: TunnelAccess;
  /** The server holds its tunnel now. */
  connected: boolean;
}

export interface EnvPageView {
  envId: string;
  info: EnvInfo;
  /** ISO time of the last deploy, as the agent reported it. */
  deployedAt: string | undefined;
  services: readonly EnvPageService[];
  now: number;
}

export interface RemovedPageView {
  envId: string;
  info: EnvInfo;
  closedAt: number;
  now: number;
}

/** "5 minutes ago": the page is read at a glance, the exact time is beside it. */
export const timeAgo = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  const unit = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'} ago`;
  if (s < 45) return 'just now';
  if (s < 90 * 60) return unit(Math.max(1, Math.round(s / 60)), 'minute');
  if (s < 36 * 3600) return unit(Math.round(s / 3600), 'hour');
  return unit(Math.round(s / 86_400), 'day');
};

const time = (ms: number, now: number): string => {
  const iso = new Date(ms).toISOString();
  return `<time datetime="${escape(iso)}">${escape(`${iso.slice(0, 16).replace('T', ' ')} UTC`)}</time> (${timeAgo(now - ms)})`;
};

/** Text, linked when a link is known. Links were checked to be http(s) by the metadata parser. */
const linked = (html: string, url: string | undefined): string => (url ? `<a href="${escape(url)}">${html}</a>` : html);

const facts = (info: EnvInfo, extra: Array<[string, string]>): string => {
  const rows: Array<[string, string]> = [];
  if (info.repository) rows.push(['Repository', linked(escape(info.repository), info.repositoryUrl)]);
  if (info.branch) rows.push(['Branch', linked(`<code>${escape(info.branch)}</code>`, info.branchUrl)]);
  if (info.pullRequest !== undefined) rows.push(['Pull request', linked(`#${info.pullRequest}`, info.pullRequestUrl)]);
  if (info.commit) rows.push(['Commit', linked(`<code title="${escape(info.commit)}">${escape(info.commit.slice(0, 12))}</code>`, info.commitUrl)]);
  rows.push(...extra);
  if (!rows.length) return '';
  return `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
};

const urlsCommand = (envId: string): string => `preevy urls --id ${envId} --include-access-credentials`;

const serviceRow = (s: EnvPageService, envId: string): string => {
  const label = `${escape(s.service ?? s.name)}${s.port === undefined ? '' : `<small>:${s.port}</small>`}`;
  const access =
    s.access === 'private'
      ? `private<br><small>Needs a signed link: <code>${escape(urlsCommand(envId))}</code></small>`
      : 'public';
  const state = s.connected ? '<span class="state up">connected</span>' : '<span class="state down">not connected</span>';
  return `<tr><td>${label}</td><td><a href="${escape(s.url)}">${escape(s.url)}</a></td><td>${access}</td><td>${state}</td></tr>`;
};

/** The page reviewers open at `{envId}-{clientId}.{base}`: where the code came from and every service with its live state. */
export const envPage = ({ envId, info, deployedAt, services, now }: EnvPageView): string => {
  const deployedMs = deployedAt === undefined ? NaN : Date.parse(deployedAt);
  const head = facts(info, [
    ['Environment', `<code>${escape(envId)}</code>`],
    ['Last deployed', Number.isFinite(deployedMs) ? time(deployedMs, now) : 'not reported'],
  ]);
  const source = info.branch || info.commit || info.pullRequest !== undefined ? '' : '<p class="note">No branch or commit was reported (deployed outside CI).</p>';
  const table = services.length
    ? `<table><thead><tr><th>Service</th><th>URL</th><th>Access</th><th>State</th></tr></thead><tbody>${services.map((s) => serviceRow(s, envId)).join('')}</tbody></table>`
    : '<p>No services are published yet.</p>';
  return page(`Preview ${envId}`, `${head}${source}<h2>Services</h2>${table}`);
};

/** The page of an environment whose agent disconnected recently: removed, not unknown. */
export const removedPage = ({ envId, info, closedAt, now }: RemovedPageView): string =>
  page(
    'This preview was removed',
    `<p>Environment <code>${escape(envId)}</code> was removed ${time(closedAt, now)}: its agent disconnected and it publishes nothing now. ` +
      'If it is deployed again, it comes back at this address.</p>' +
      facts(info, []),
  );
