/** HTML-escapes text for an element or a quoted attribute. */
export const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2.5rem auto;padding:0 1rem;color:#1f2328;background:#fff}' +
  'h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}a{color:#0969da}code{font:.9em ui-monospace,monospace;background:#f3f4f6;padding:0 .25em;border-radius:4px}' +
  'li{margin:.3em 0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1.2rem;margin:1rem 0}dt{color:#59636e}dd{margin:0;overflow-wrap:anywhere}' +
  'table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #d1d9e0;vertical-align:top;overflow-wrap:anywhere}th{font-size:.85rem;color:#59636e;font-weight:600;white-space:nowrap}td:first-child{white-space:nowrap}' +
  '.state{display:inline-block;padding:0 .5em;border-radius:1em;font-size:.85rem;white-space:nowrap}.up{background:#dafbe1;color:#116329}.down{background:#ffebe9;color:#a40e26}' +
  '.note{color:#59636e;font-size:.9rem}small{color:#59636e}';

/** A whole page: no script, styles inline (the server's Content-Security-Policy allows nothing else). */
export const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title>` +
  `<style>${STYLE}</style></head><body><h1>${escape(title)}</h1>${body}</body></html>\n`;

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

/** A complete HTTP/1.1 response for a raw socket (before any HTTP server owns it). */
export const rawResponse = (status: number, reason: string, body = `${status} ${reason}\n`): string =>
  `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
