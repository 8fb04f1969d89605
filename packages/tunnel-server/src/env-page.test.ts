import { describe, expect, it } from 'vitest';
import { envPage, removedPage, timeAgo, type EnvPageService } from './env-page.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const web: EnvPageService = { service: 'web', name: 'web-80', port: 80, url: 'http://web-80-pr-1-abc.preview.test', access: 'public', connected: true };

describe('envPage', () => {
  it('should show the source with links, the deploy time and each service with its access and state', () => {
    const html = envPage({
      envId: 'pr-1',
      info: { branch: 'feat/x', branchUrl: 'https://git.example/o/r/tree/feat/x', pullRequest: 12, pullRequestUrl: 'https://git.example/o/r/pull/12', commit: '0123456789abcdef0123', commitUrl: 'https://git.example/o/r/commit/0123', repository: 'o/r' },
      deployedAt: '2024-05-01T11:57:00.000Z',
      services: [web, { service: 'admin', name: 'admin-8080', port: 8080, url: 'http://admin-8080-pr-1-abc.preview.test', access: 'private', connected: false }],
      now: NOW,
    });
    expect(html).toContain('<title>Preview pr-1</title>');
    expect(html).toContain('<a href="https://git.example/o/r/tree/feat/x"><code>feat/x</code></a>');
    expect(html).toContain('<a href="https://git.example/o/r/pull/12">#12</a>');
    expect(html).toContain('<code title="0123456789abcdef0123">0123456789ab</code>');
    expect(html).toContain('<time datetime="2024-05-01T11:57:00.000Z">2024-05-01 11:57 UTC</time> (3 minutes ago)');
    expect(html).toMatch(/web<small>:80<\/small><\/td><td><a href="http:\/\/web-80-pr-1-abc.preview.test">.*public.*state up">connected/);
    expect(html).toMatch(/admin.*private<br><small>Needs a signed link: <code>preevy urls --id pr-1 --include-access-credentials<\/code>.*state down">not connected/);
    expect(html).not.toMatch(/<script|token/i);
  });

  it('should say what is missing rather than show empty rows', () => {
    const html = envPage({ envId: 'dev', info: {}, deployedAt: undefined, services: [], now: NOW });
    expect(html).toContain('No branch or commit was reported');
    expect(html).toContain('<dt>Last deployed</dt><dd>not reported</dd>');
    expect(html).toContain('No services are published yet.');
    expect(html).not.toMatch(/Branch|Pull request|Commit|Repository/);
  });

  it('should show a tunnel of a stock SSH client by its name', () => {
    const html = envPage({ envId: 'dev', info: {}, deployedAt: undefined, services: [{ ...web, service: undefined, port: undefined, name: 'myapp' }], now: NOW });
    expect(html).toContain('<td>myapp</td>');
  });

  it('should escape every field, in text and in attributes', () => {
    const evil = '<script>"&\'</script>';
    const html = envPage({
      envId: 'e',
      info: { branch: evil, repository: evil, commit: 'abcdef0', commitUrl: 'https://x.example/"><script>' },
      deployedAt: undefined,
      services: [{ ...web, service: evil }],
      now: NOW,
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;&quot;&amp;&#39;&lt;/script&gt;');
    expect(html).toContain('href="https://x.example/&quot;&gt;&lt;script&gt;"');
  });
});

describe('removedPage', () => {
  it('should say the preview was removed, when, and which one it was', () => {
    const html = removedPage({ envId: 'pr-3', info: { branch: 'fix', pullRequest: 3 }, closedAt: NOW - 2 * 3600_000, now: NOW });
    expect(html).toContain('<h1>This preview was removed</h1>');
    expect(html).toContain('<time datetime="2024-05-01T10:00:00.000Z">2024-05-01 10:00 UTC</time> (2 hours ago)');
    expect(html).toContain('<code>fix</code>');
    expect(html).toContain('#3');
  });
});

describe('timeAgo', () => {
  it.each([
    [10_000, 'just now'],
    [60_000, '1 minute ago'],
    [30 * 60_000, '30 minutes ago'],
    [3 * 3600_000, '3 hours ago'],
    [3 * 86_400_000, '3 days ago'],
    [-5_000, 'just now'],
  ])('should say %i ms as "%s"', (ms, text) => expect(timeAgo(ms)).toBe(text));
});
