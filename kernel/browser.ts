/**
 * Headless Chromium for the repository's browser work (figure PNGs at export time, the real-browser
 * notebook tests): one place that finds the browser, launches it and opens pages that record every
 * JavaScript error.
 *
 * We drive Debian's `/usr/bin/chromium` through `playwright-core` (a maintained CDP client: no
 * browser download, Node 20) rather than spawning `chromium --dump-dom` ourselves: a real page
 * session gives `pageerror`/`console` events, waiting on page state instead of a virtual-time budget,
 * real mouse input and full-page screenshots.
 *
 * Launch once and share the browser: a launch costs about 0.4 s, loading plotly.js into a page
 * another 1-2 s on a busy machine; pages and contexts are cheap.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { fontDir, fontsConf } from '../src/viz/fonts';

export type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The Chromium binary: `$CHROMIUM` or Debian's `/usr/bin/chromium`; undefined when neither exists.
 *
 * @example
 * ```ts
 * if (!chromiumPath()) throw new Error('install chromium: bash kernel/setup.sh --with-chromium');
 * ```
 */
export function chromiumPath(): string | undefined {
  const c = process.env.CHROMIUM || '/usr/bin/chromium';
  return fs.existsSync(c) ? c : undefined;
}

/**
 * Command-line switches for every launch (playwright adds `--headless` and its own defaults). No GPU,
 * no network chatter of the browser's own (updates, sync, QUIC), no first-run UI. Playwright gives each
 * launch a fresh temporary profile (`--user-data-dir`) and removes it on close.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /** Default {@link chromiumPath}(). */
  executablePath?: string;
  /** Extra switches after {@link CHROMIUM_ARGS}. */
  args?: string[];
  /** Launch timeout in ms (default 60,000: the machine may be busy). */
  timeoutMs?: number;
  /**
   * `'shipped'` (default): the browser sees only the fonts the package ships (DejaVu Sans, regular and
   * bold; every CSS family falls back to it), through a fontconfig file of its own, so text — and with it
   * plotly's layout, which measures text — comes out the same on every machine and whatever
   * `FONTCONFIG_FILE` the calling process has set. `'system'`: the machine's fonts.
   */
  fonts?: 'shipped' | 'system';
}

/**
 * A fontconfig file that offers only the shipped fonts (written once, atomically, under the OS temp
 * directory, keyed by the font directory). Returns its path.
 *
 * @example
 * ```ts
 * spawn('/usr/bin/chromium', args, { env: { ...process.env, FONTCONFIG_FILE: shippedFontConfig() } });
 * ```
 */
export function shippedFontConfig(): string {
  const fonts = fontDir();
  if (!fs.existsSync(path.join(fonts, 'DejaVuSans.ttf'))) throw new Error(`shipped font missing: ${path.join(fonts, 'DejaVuSans.ttf')}`);
  const key = crypto.createHash('sha256').update(fonts).digest('hex').slice(0, 12);
  const base = path.join(os.tmpdir(), `failure-directions-chromium-fonts-${key}`);
  const cache = path.join(base, 'cache');
  fs.mkdirSync(cache, { recursive: true });
  const file = path.join(base, 'fonts.conf');
  const text = fontsConf(fonts, cache);
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * Launches headless Chromium (with only the shipped fonts, unless `fonts: 'system'`). Close it with
 * `browser.close()` (or use {@link withChromium}). Throws a clear error when no Chromium is installed.
 *
 * @example
 * ```ts
 * const browser = await launchChromium();
 * try { const { page } = await openPage(browser); await page.goto('file:///tmp/x.html'); } finally { await browser.close(); }
 * ```
 */
export async function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  const executablePath = opts.executablePath ?? chromiumPath();
  if (!executablePath || !fs.existsSync(executablePath)) {
    throw new Error(
      `chromium not found at ${executablePath ?? process.env.CHROMIUM ?? '/usr/bin/chromium'}: install it with ` +
        '`bash kernel/setup.sh --with-chromium` (Debian: apt-get install chromium), or point $CHROMIUM at a Chromium binary',
    );
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  if ((opts.fonts ?? 'shipped') === 'shipped') env.FONTCONFIG_FILE = shippedFontConfig();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
    env,
    timeout: opts.timeoutMs ?? 60_000,
  });
}

/**
 * Runs `fn` with a freshly launched browser and closes it afterwards, also when `fn` throws.
 *
 * @example
 * ```ts
 * const title = await withChromium(async (b) => { const { page } = await openPage(b); await page.goto(url); return page.title(); });
 * ```
 */
export async function withChromium<T>(fn: (browser: Browser) => Promise<T>, opts: LaunchOptions = {}): Promise<T> {
  const browser = await launchChromium(opts);
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Options of {@link openPage}. */
export interface PageOptions {
  /** Viewport in CSS pixels (default 1100 x 900). */
  width?: number;
  height?: number;
  /** Device pixels per CSS pixel (default 1). */
  deviceScaleFactor?: number;
  /**
   * Abort every http(s) request and record it as an error (default true): exported notebooks and
   * the figure renderer must work offline.
   */
  offline?: boolean;
}

/** A page in its own browser context, with the JavaScript errors seen on it so far. */
export interface PageSession {
  page: Page;
  context: BrowserContext;
  /**
   * Uncaught exceptions (`pageerror`), `console.error` messages, failed loads and blocked network
   * requests, in order, each as one line of text.
   */
  errors: string[];
  /** Closes the context (and its page). */
  close(): Promise<void>;
}

/**
 * Opens a page in a new context of `browser` and records everything that counts as a JavaScript error
 * in `errors`: uncaught exceptions and rejections (`pageerror`), `console.error` calls, resources that
 * failed to load and, unless `offline: false`, any network request (aborted).
 *
 * @example
 * ```ts
 * const s = await openPage(browser, { width: 1100 });
 * await s.page.goto('file://' + path.resolve('out/notebooks/00-tour.html'));
 * assert.deepEqual(s.errors, []);
 * await s.close();
 * ```
 */
export async function openPage(browser: Browser, opts: PageOptions = {}): Promise<PageSession> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1100, height: opts.height ?? 900 },
    deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    // The same rendering on every run and machine: no animations, fixed locale and time zone.
    reducedMotion: 'reduce',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const errors: string[] = [];
  if (opts.offline !== false) {
    await context.route(/^https?:/i, (route) => {
      errors.push(`network request blocked (the page must work offline): ${route.request().url()}`);
      return route.abort('blockedbyclient');
    });
  }
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`uncaught ${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 4).join('\n')}` : ''}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const at = m.location();
    errors.push(`console.error: ${m.text()}${at.url ? ` (${at.url.slice(0, 120)}:${at.lineNumber})` : ''}`);
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? 'failed';
    // Blocked network requests are already recorded above.
    if (!/^https?:/i.test(r.url())) errors.push(`failed to load ${r.url().slice(0, 200)}: ${why}`);
  });
  return { page, context, errors, close: () => context.close() };
}
