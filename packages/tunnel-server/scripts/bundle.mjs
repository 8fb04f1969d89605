// Bundles the standalone server into one file for its container image (templates/tunnel-server).
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('./bundle-entry.mjs', import.meta.url).pathname],
  outfile: new URL('../dist/tunnel-server.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ssh2's optional native addons: it falls back to Node's crypto without them.
  external: ['cpu-features', '*.node'],
  // ssh2 is CommonJS: give the ESM bundle the require/__dirname it expects.
  banner: {
    js: [
      "import { createRequire as __preevyCreateRequire } from 'node:module';",
      "import { dirname as __preevyDirname } from 'node:path';",
      "import { fileURLToPath as __preevyFileURLToPath } from 'node:url';",
      'const require = __preevyCreateRequire(import.meta.url);',
      'const __filename = __preevyFileURLToPath(import.meta.url);',
      'const __dirname = __preevyDirname(__filename);',
    ].join(' '),
  },
  legalComments: 'none',
  logLevel: 'warning',
});
