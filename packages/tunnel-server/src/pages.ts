import type { TunnelInfo } from '@preevy/tunnel-protocol';

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title>` +
  '<style>body{font:16px system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .2em}li{margin:.3em 0}</style>' +
  `</head><body><h1>${escape(title)}</h1>${body}</body></html>\n`;

export const notFoundPage = (host: string): string =>
  page('No preview here', `<p>Nothing is published at <code>${escape(host)}</code>. The environment may have been taken down, or its agent is reconnecting.</p>`);

export const unauthorizedPage = (reason: string): string =>
  page(
    'This preview is private',
    `<p>Open it with a share link from its owner (<code>preevy urls --include-access-credentials</code>).</p><p>Reason: <code>${escape(reason)}</code></p>`,
  );

export const badGatewayPage = (): string => page('Preview not reachable', '<p>The environment\'s agent did not accept the connection. Try again in a moment.</p>');

export const gatewayTimeoutPage = (timeoutMs: number): string =>
  page('Preview not reachable', `<p>The environment's agent did not open a channel within ${timeoutMs} ms. It may be overloaded or reconnecting; try again in a moment.</p>`);

export const unavailablePage = (): string => page('Preview busy', '<p>This service has too many open connections right now. Try again in a moment.</p>');

export const crossOriginPage = (): string =>
  page('Refused: cross-origin request', '<p>A page of another site tried to act on this private preview with your session. Open the preview directly instead.</p>');

export const indexPage = (envId: string, tunnels: readonly TunnelInfo[]): string =>
  page(
    `Preview ${envId}`,
    tunnels.length
      ? `<ul>${tunnels
          .map((t) => `<li><a href="${escape(t.url)}">${escape(t.service ?? t.name)}${t.port ? `:${t.port}` : ''}</a>${t.access === 'private' ? ' (private)' : ''}</li>`)
          .join('')}</ul>`
      : '<p>No services are published yet.</p>',
  );

/** A complete HTTP/1.1 response for a raw socket (before any HTTP server owns it). */
export const rawResponse = (status: number, reason: string, body = `${status} ${reason}\n`): string =>
  `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
