// A tiny JSON API with no dependencies, so the image builds without a package registry.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);

const server = createServer((req, res) => {
  const body =
    req.url === '/healthz'
      ? { ok: true }
      : { service: 'api', message: 'hello from preevy', webUrl: process.env.WEB_URL ?? null, path: req.url };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});

server.listen(port, () => process.stdout.write(`api listening on ${port}\n`));

// PID 1 gets no default signal handling: stop at once on `docker compose down`.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
