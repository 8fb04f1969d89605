// Bundles the agent (dist/agent.mjs) and stages the workspace agent folder (dist/workspace/):
// the same bundle plus the one native dependency esbuild cannot inline, @lydell/node-pty and its
// prebuilt linux binaries, so that folder runs with nothing but a `node` binary:
//   dist/workspace/agent.mjs
//   dist/workspace/node_modules/@lydell/node-pty/…
//   dist/workspace/node_modules/@lydell/node-pty-linux-<arch>/…   (each one installed)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const repoRoot = join(packageDir, '../..');
const PTY = '@lydell/node-pty';

execFileSync(
  process.execPath,
  [join(repoRoot, 'scripts/bundle-node.mjs'), 'packages/agent/src/main.ts', 'packages/agent/dist/agent.mjs', `--external:${PTY}`],
  { cwd: repoRoot, stdio: 'inherit' },
);

const require = createRequire(join(packageDir, 'package.json'));
const ptyDir = dirname(require.resolve(`${PTY}/package.json`));
const scopeDir = dirname(ptyDir);
// Only linux binaries: workspaces are linux containers (whatever the laptop that builds this).
const binaries = readdirSync(scopeDir).filter((name) => /^node-pty-linux-/.test(name));
if (binaries.length === 0) throw new Error(`no ${PTY}-linux-* package next to ${ptyDir}: run npm ci without --omit=optional`);

const out = join(packageDir, 'dist/workspace');
rmSync(out, { recursive: true, force: true });
cpSync(join(packageDir, 'dist/agent.mjs'), join(out, 'agent.mjs'));
// node-pty's Windows helpers and typings are not needed on linux; everything else is a few files.
const skip = (src) => /[\\/](worker|conpty[^\\/]*|windows[^\\/]*|[^\\/]*\.d\.ts)$/.test(src);
cpSync(ptyDir, join(out, 'node_modules', PTY), { recursive: true, filter: (src) => !skip(src) });
for (const name of binaries) cpSync(join(scopeDir, name), join(out, 'node_modules/@lydell', name), { recursive: true });
if (!existsSync(join(out, 'node_modules', PTY, 'index.js'))) throw new Error('staging the workspace agent failed');
