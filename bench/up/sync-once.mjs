// One `syncBindMounts` of a directory to a Docker host, in its own process so its peak RSS is the
// sync's alone. Takes the core build to load (this checkout's or a baseline's) and prints one JSON
// line: { ms, maxRssKb, sent, unchanged, deleted, bytes }.
// Usage: node sync-once.mjs <core dist/index.js> <dir> <envId> <DOCKER_HOST> <sync image>
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [corePath, dir, envId, dockerHost, syncImage] = process.argv.slice(2);
const core = await import(pathToFileURL(corePath).href);
const model = core.toComposeModel(
  { name: 'bench-sync', services: { web: { image: syncImage, volumes: [{ type: 'bind', source: dir, target: '/data' }] } } },
  { workingDir: dir, files: [] },
);
// Every docker call goes to the "remote" engine, as the docker driver's connection does.
const docker = (args, options = {}) => core.execFileRunner('docker', args, { ...options, env: { ...process.env, DOCKER_HOST: dockerHost } });
const labels = core.environmentLabels({ profileId: 'bench', envId });
const start = performance.now();
const { sent, unchanged, deleted, bytes } = await core.syncBindMounts({ model, envId, docker, labels, syncImage });
const ms = performance.now() - start;
process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, sent, unchanged, deleted, bytes })}\n`);
