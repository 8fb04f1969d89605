// Bundles one Node.js entry into a single ESM file (for a container image, or a package's runtime
// entry, so Node reads one file instead of hundreds of modules at start-up):
//   node scripts/bundle-node.mjs <entry> <outfile> [esbuild flags…]   (paths relative to the repo root)
// With --splitting, modules the entry imports lazily (`import()`) go to chunks beside <outfile>,
// named <outfile's name>-<chunk>-<hash>.mjs (the previous build's chunks are removed first).
// With --cjs, a CommonJS bundle instead, for the CLI's start-up compile cache (packages/cli/bin/
// compile-cache.js): Node 20 can cache V8 code for CommonJS only, and code read from that cache
// loses its `import()` callback, so every `import()` becomes `require()` (Node 20.19+ requires ES modules).
// Deterministic (no timestamps, repo-relative paths), so an image can be tagged by content hash.
// Runs the esbuild CLI, a root dev tool like tsc, so no package depends on esbuild itself.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const [entry, outfile, ...flags] = process.argv.slice(2);
const cjs = flags.includes('--cjs');
const extra = flags.filter((f) => f !== '--cjs');
if (!entry || !outfile) {
  console.error('usage: node scripts/bundle-node.mjs <entry> <outfile>');
  process.exit(2);
}
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

// ssh2 and pino are CommonJS and use require() and __dirname: give the ESM bundle both. The
// prefixed names cannot collide with the bundle's own imports.
const banner = [
  "import { createRequire as __preevyCreateRequire } from 'node:module';",
  "import { dirname as __preevyDirname } from 'node:path';",
  "import { fileURLToPath as __preevyFileURLToPath } from 'node:url';",
  'const require = __preevyCreateRequire(import.meta.url);',
  'const __filename = __preevyFileURLToPath(import.meta.url);',
  'const __dirname = __preevyDirname(__filename);',
].join('\n');

// A CommonJS bundle has require(), __filename and __dirname; it gets import.meta.url under a prefixed name.
const cjsBanner = "var __preevyImportMetaUrl = require('node:url').pathToFileURL(__filename).href;";
const format = cjs
  ? ['--format=cjs', `--banner:js=${cjsBanner}`, '--define:import.meta.url=__preevyImportMetaUrl', '--supported:dynamic-import=false']
  : ['--format=esm', `--banner:js=${banner}`];

const output = (() => {
  if (!extra.includes('--splitting')) return [`--outfile=${outfile}`];
  const dir = join(repoRoot, dirname(outfile));
  const name = basename(outfile, extname(outfile));
  for (const f of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
    if (f.isFile() && f.name.startsWith(`${name}-`) && f.name.endsWith('.mjs')) rmSync(join(dir, f.name));
  }
  return [`--outdir=${dirname(outfile)}`, `--entry-names=${name}`, `--chunk-names=${name}-[name]-[hash]`, `--out-extension:.js=${extname(outfile)}`];
})();

execFileSync(
  `${repoRoot}node_modules/.bin/esbuild`,
  [
    entry,
    ...output,
    '--bundle',
    '--platform=node',
    ...format,
    '--target=node20',
    // Workspace packages from source: no prior `tsc -b` needed.
    '--conditions=@preevy/source',
    // ssh2's native crypto binding and cpu-features are optional: without them it uses pure JS.
    '--external:*.node',
    '--external:cpu-features',
    '--legal-comments=none',
    '--charset=utf8',
    '--log-level=warning',
    ...extra,
  ],
  { cwd: repoRoot, stdio: 'inherit' },
);
