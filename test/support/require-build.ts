import { access } from 'node:fs/promises';
import { CLI_BIN, CLI_ENTRY } from './paths.js';

/** e2e tests run the built binary: fail loudly when it has not been built. */
export default async function requireBuild(): Promise<void> {
  for (const file of [CLI_BIN, CLI_ENTRY]) {
    await access(file).catch(() => {
      throw new Error(`${file} is missing: run \`npm run build\` first (the full \`npm test\` does).`);
    });
  }
}
