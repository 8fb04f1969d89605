// Bundles the agent into one ESM file (dist/agent.mjs) for its image. Deterministic: same sources,
// same bytes (no timestamps, paths relative to the repo), so core can tag the image by content hash.
//
// It runs the esbuild CLI, a root dev tool like tsc and vitest, rather than importing esbuild's
// JS API: an import would make esbuild a dependency of this package (see the dependency rules).
import { execFileSync } from 'node:child_process';
import { fileURLToPath, URL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const esbuild = `${repoRoot}node_modules/.bin/esbuild`;

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

execFileSync(
  esbuild,
  [
    'packages/agent/src/main.ts',
    '--outfile=packages/agent/dist/agent.mjs',
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    // Workspace packages from source: no prior `tsc -b` needed.
    '--conditions=@preevy/source',
    `--banner:js=${banner}`,
    // ssh2's native crypto binding and cpu-features are optional: without them it uses pure JS.
    '--external:*.node',
    '--external:cpu-features',
    '--legal-comments=none',
    '--charset=utf8',
    '--log-level=warning',
  ],
  { cwd: repoRoot, stdio: 'inherit' },
);
