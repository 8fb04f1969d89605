import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../../packages/cli/bin/run.js', import.meta.url));
export const CLI_ENTRY = fileURLToPath(new URL('../../packages/cli/dist/bundle.cjs', import.meta.url));
