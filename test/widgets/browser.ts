/**
 * Headless Chromium for the widget browser test, through playwright-core (the project's CDP library)
 * and Debian's /usr/bin/chromium. One function, so that it can be swapped for the shared launcher
 * (`kernel/browser.ts`) when that lands.
 */
import * as fs from 'node:fs';
import { chromium, Browser } from 'playwright-core';

/** The Chromium binary: `$CHROMIUM` or Debian's `/usr/bin/chromium`; undefined when absent. */
export function chromiumExecutable(): string | undefined {
  const c = process.env.CHROMIUM || '/usr/bin/chromium';
  return fs.existsSync(c) ? c : undefined;
}

/** Launches headless Chromium (no sandbox: CI runs as root). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumExecutable();
  if (!executablePath) throw new Error('Chromium not found: install it with `bash kernel/setup.sh --with-chromium` (Debian package chromium) or set CHROMIUM');
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
