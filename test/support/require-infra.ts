import { execFile } from './exec-file.js';

const MIN_COMPOSE_MINOR = 20;
const REMEDY = 'Run `npm run infra:setup` (or the full `npm test`), which installs and starts it.';

/**
 * Global setup of the int and e2e tiers: fail the whole tier, loudly, when the infrastructure is
 * missing. Never skip: a skipped tier would look green.
 */
export default async function requireInfra(): Promise<void> {
  const info = await execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 }).catch((err: Error) => ({
    exitCode: -1,
    stdout: '',
    stderr: err.message,
  }));
  if (info.exitCode !== 0) throw new Error(`No Docker engine answers (docker info: ${info.stderr.trim()}). ${REMEDY}`);

  const compose = await execFile('docker', ['compose', 'version', '--short'], { timeoutMs: 20_000 });
  const minor = /^v?2\.(\d+)/.exec(compose.stdout.trim())?.[1];
  if (compose.exitCode !== 0 || minor === undefined || Number(minor) < MIN_COMPOSE_MINOR) {
    throw new Error(`Compose v2.${MIN_COMPOSE_MINOR}+ is required, found: ${compose.stdout.trim() || compose.stderr.trim() || 'none'}. ${REMEDY}`);
  }

  for (const image of ['preevy-test/busybox:latest', 'preevy-test/node:20']) {
    const inspect = await execFile('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 20_000 });
    if (inspect.exitCode !== 0) throw new Error(`Test image ${image} is missing. ${REMEDY}`);
  }
}
