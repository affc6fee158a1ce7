/**
 * Opens an exported notebook (HTML) in headless Chromium (through kernel/browser.ts) and reports what
 * really rendered: how many Plotly figures drew (`.main-svg` elements, the `data-fd-drawn` mark set by
 * the figure script), how many images decoded (`naturalWidth > 0`), and the plotly.js loader's status
 * line. Any JavaScript error on the page — an uncaught exception or rejection, a `console.error`, a
 * resource that failed to load, a network request (exports must work offline) — makes the check
 * throw. Optionally runs a check of the caller's on the page (real mouse input) and saves a full-page
 * screenshot. Used by the real-browser tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Browser, launchChromium, openPage, type Page } from './browser';

/** What rendered in the page. */
export interface BrowserReport {
  /** Plotly's `<svg class="main-svg">` elements (each drawn figure has two or more). */
  mainSvg: number;
  /** `.fd-figure` containers, and how many of them plotly.js drew. */
  figures: number;
  drawn: number;
  /** `<img>` elements, and how many decoded with a non-zero natural width. */
  images: number;
  imagesLoaded: number;
  /** Figure placeholders still shown (0 once every figure drew). */
  placeholdersLeft: number;
  /** The text of the plotly.js loader's status line. */
  plotlyStatus: string;
  /** Height of the page in CSS pixels (what a full-page screenshot covers). */
  height: number;
  /** What `opts.pageCheck` returned (absent without one). */
  page?: unknown;
}

/** Options of {@link checkInChromium}. */
export interface CheckOptions {
  /** Save a full-page PNG screenshot here (after `pageCheck` ran). */
  screenshot?: string;
  /** Viewport width in CSS pixels (default 1100). */
  width?: number;
  /** How long to wait for every figure to draw and every image to load, ms (default 60,000). */
  timeoutMs?: number;
  /**
   * Runs once everything drew (or the wait timed out), with the page; its result is the report's
   * `page` field. Errors it throws propagate.
   */
  pageCheck?: (page: Page) => Promise<unknown>;
  /** A browser to open the page in (left open). Default: launch one for this check and close it. */
  browser?: Browser;
}

/** Counts what rendered, in the page. */
function probe(): Omit<BrowserReport, 'page'> {
  const imgs = Array.from(document.querySelectorAll('img'));
  const status = document.querySelector('.fd-plotly-status');
  return {
    mainSvg: document.querySelectorAll('.main-svg').length,
    figures: document.querySelectorAll('.fd-figure').length,
    drawn: document.querySelectorAll('.fd-figure[data-fd-drawn]').length,
    images: imgs.length,
    imagesLoaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length,
    placeholdersLeft: document.querySelectorAll('.fd-figure-placeholder').length,
    plotlyStatus: status ? status.textContent ?? '' : '',
    height: Math.ceil(Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)),
  };
}

/**
 * Loads `htmlFile` in headless Chromium, waits until every `.fd-figure` drew and every `<img>` loaded
 * (at most `timeoutMs`), runs `pageCheck`, saves the screenshot, and returns what rendered. Throws,
 * listing them, when the page had any JavaScript error (see the file header).
 *
 * @example
 * ```ts
 * const r = await checkInChromium('out/notebooks/00-tour.html', { screenshot: 'out/notebooks/00-tour.png' });
 * assert(r.drawn === r.figures && r.mainSvg > 0);
 * ```
 */
export async function checkInChromium(htmlFile: string, opts: CheckOptions = {}): Promise<BrowserReport> {
  const browser = opts.browser ?? (await launchChromium());
  try {
    const session = await openPage(browser, { width: opts.width ?? 1100, height: 900 });
    try {
      const { page, errors } = session;
      await page.goto('file://' + path.resolve(htmlFile), { waitUntil: 'load', timeout: 120_000 });
      try {
        await page.waitForFunction(
          () => {
            const figures = document.querySelectorAll('.fd-figure').length;
            const drawn = document.querySelectorAll('.fd-figure[data-fd-drawn]').length;
            return drawn === figures && Array.from(document.querySelectorAll('img')).every((i) => i.complete);
          },
          undefined,
          { timeout: opts.timeoutMs ?? 60_000, polling: 100 },
        );
      } catch {
        // Not everything drew in time: the report's counts say what is missing.
      }
      const report: BrowserReport = await page.evaluate(probe);
      if (opts.pageCheck) report.page = await opts.pageCheck(page);
      if (opts.screenshot) {
        const file = path.resolve(opts.screenshot);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp.png`;
        await page.screenshot({ path: tmp, fullPage: true, animations: 'disabled' });
        fs.renameSync(tmp, file);
      }
      if (errors.length) {
        throw new Error(`JavaScript errors on ${htmlFile} (${errors.length}):\n${errors.map((e) => '  ' + e.replace(/\n/g, '\n    ')).join('\n')}`);
      }
      return report;
    } finally {
      await session.close();
    }
  } finally {
    if (!opts.browser) await browser.close();
  }
}
