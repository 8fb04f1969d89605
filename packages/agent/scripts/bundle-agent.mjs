// Bundles the agent and stages the workspace agent folder: the same bundle plus the one native
// dependency esbuild cannot inline, @lydell/node-pty and its prebuilt linux binaries, so that
// folder runs with nothing but a `node` binary:
//   <dir>/agent.mjs
//   <dir>/node_modules/@lydell/node-pty/…
//   <dir>/node_modules/@lydell/node-pty-linux-<arch>/…   (each one installed)
// Usage: node packages/agent/scripts/bundle-agent.mjs [DIR]
//   no DIR: writes dist/agent.mjs (the agent image's) and stages dist/workspace-agent/
//   DIR:    bundles and stages into DIR only (tests, so they never rewrite dist/ under another test)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const repoRoot = join(packageDir, '../..');
const PTY = '@lydell/node-pty';
const [target] = process.argv.slice(2);

const out = target ? resolve(target) : join(packageDir, 'dist/workspace-agent');
const bundle = target ? join(out, 'agent.mjs') : join(packageDir, 'dist/agent.mjs');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [join(repoRoot, 'scripts/bundle-node.mjs'), 'packages/agent/src/main.ts', bundle, `--external:${PTY}`], {
  cwd: repoRoot,
  stdio: 'inherit',
});
if (!target) cpSync(bundle, join(out, 'agent.mjs'));

const require = createRequire(join(packageDir, 'package.json'));
const ptyDir = dirname(require.resolve(`${PTY}/package.json`));
const scopeDir = dirname(ptyDir);
// Only linux binaries: workspaces are linux containers, whatever machine builds this.
const binaries = readdirSync(scopeDir).filter((name) => /^node-pty-linux-/.test(name));
if (binaries.length === 0) throw new Error(`no ${PTY}-linux-* package next to ${ptyDir}: run npm ci without --omit=optional`);

// node-pty's Windows helpers and typings are not needed on linux.
const skip = (src) => /[\\/](worker|conpty[^\\/]*|windows[^\\/]*|[^\\/]*\.d\.ts)$/.test(src);
cpSync(ptyDir, join(out, 'node_modules', PTY), { recursive: true, filter: (src) => !skip(src) });
for (const name of binaries) cpSync(join(scopeDir, name), join(out, 'node_modules/@lydell', name), { recursive: true });
if (!existsSync(join(out, 'node_modules', PTY, 'index.js'))) throw new Error('staging the workspace agent failed');
