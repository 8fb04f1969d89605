// Small helpers the plain-JavaScript benchmarks share (bench/up, bench/up-kube, bench/workspace).
import { execFile as execFileCb } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** Runs a program to completion; never throws: the exit code says how it went. */
export const exec = (file, args, opts = {}) =>
  new Promise((resolve) => {
    execFileCb(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: 900_000, ...opts }, (err, stdout, stderr) =>
      resolve({ exitCode: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });

/** A port that was free on 127.0.0.1 a moment ago. */
export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * A listener on 127.0.0.1 piping every connection to host:port, so URLs under `*.localhost`
 * reach a server bound elsewhere on this machine (the caller checked the address is local).
 */
export const loopbackProxy = (host, port) =>
  new Promise((resolve) => {
    const server = createServer((client) => {
      const upstream = connect({ host, port });
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).pipe(upstream.on('error', drop)).pipe(client);
    });
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => server.close() }));
  });

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** Columns padded to their widest cell. */
export const table = (header, rows) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
};

/** `name: done (1.2s)` progress lines (the CLI's plain progress, e.g. with --json) → { name: ms }. */
export const stepDurations = (stderr) =>
  Object.fromEntries(
    [...stderr.matchAll(/^(.+): done \((\d+(?:\.\d+)?)(ms|s)\)$/gm)].map(([, name, n, unit]) => [name, Number(n) * (unit === 's' ? 1000 : 1)]),
  );
