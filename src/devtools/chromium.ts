// Debian's Chromium, for the browser check of the Temporal Web UI (test/integration/browser). Playwright drives
// it through `playwright-core`, which ships no browser: we never download one, we use the distribution's.
import { aptInstall, isExecutable } from './tools.js';

/** Where Debian's `chromium` package puts its launcher. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a build machine: no sandbox (we may run as root, where the sandbox refuses to
 * start), no GPU, and none of the background traffic (updates, safe browsing, …) a closed network would stall on.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** `$CHROMIUM_PATH` if set, else Debian's launcher when installed. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  return isExecutable(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined;
}

/** Returns the Chromium executable, installing Debian's `chromium` (and a text font) with apt when root. */
export function ensureChromium(): string {
  const found = findChromium();
  if (found) return found;
  if (process.env.CHROMIUM_PATH) {
    throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file`);
  }
  aptInstall(
    ['chromium', 'fonts-liberation'],
    'Chromium',
    `Chromium was not found at ${DEBIAN_CHROMIUM}. Install it (Debian/Ubuntu: ` +
      '`sudo apt-get install -y chromium`) or set CHROMIUM_PATH to a Chromium or Chrome executable.',
  );
  const installed = findChromium();
  if (!installed) throw new Error(`apt-get installed chromium, but ${DEBIAN_CHROMIUM} is not there`);
  return installed;
}
