// One measuring client, run once per path (inside the node's network namespace for "direct").
// Usage: node client.mjs BASE_URL MODE [ARG]   prints one JSON line.
//   ping N          N serial keep-alive GET /_ping: p50, p90 in µs
//   download PATH   GET PATH, counts bytes: MB/s
//   upload FILE     POST /images/load with FILE (a docker save tar): MB/s
import { createReadStream, statSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [base, mode, arg] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const u = new URL(base);
const call = (method, path, body) =>
  new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, agent, headers: body ? { 'Content-Type': 'application/x-tar' } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length)).on('end', () => resolve({ status: res.statusCode, bytes })).on('error', reject);
    });
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
if (mode === 'ping') {
  const n = Number(arg);
  const times = [];
  await call('GET', '/_ping'); // warm the connection
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = await call('GET', '/_ping');
    if (r.status !== 200) throw new Error(`/_ping answered ${r.status}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ p50: pct(times, 50), p90: pct(times, 90) }));
} else if (mode === 'download') {
  const t0 = process.hrtime.bigint();
  const r = await call('GET', arg);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ status: r.status, bytes: r.bytes, mbPerSec: r.bytes / 1e6 / s }));
} else if (mode === 'upload') {
  const size = statSync(arg).size;
  const t0 = process.hrtime.bigint();
  const r = await call('POST', '/images/load?quiet=1', createReadStream(arg, { highWaterMark: 256 * 1024 }));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ status: r.status, bytes: size, mbPerSec: size / 1e6 / s }));
} else throw new Error(`unknown mode ${mode}`);
agent.destroy();
