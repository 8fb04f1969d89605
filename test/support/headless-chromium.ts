import { access, constants } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, which the test setup installs (test/infra/chromium.sh). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless chromium where only `*.localhost` resolves, to 127.0.0.1: a page under test can reach
 * the loopback servers of the test and nothing else (any other host fails to resolve, so a link
 * that would leave the machine fails the test instead). No proxy, whatever the environment says.
 */
export const launchChromium = async (): Promise<Browser> => {
  try {
    await access(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium. Run \`npm run infra:setup\` (step chromium) or \`apt-get install -y chromium\`.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-proxy-server', '--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP * ~NOTFOUND'],
  });
};
