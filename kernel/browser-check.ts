/**
 * Opens an exported notebook (HTML) in headless Chromium and reports what really rendered: how many
 * Plotly figures drew (`.main-svg` elements, the `data-fd-drawn` mark set by the figure script), how many
 * images decoded (`naturalWidth > 0`), and the plotly.js loader's status line. Optionally saves a
 * full-page screenshot (same run). Used by the real-browser test; needs Debian's `chromium`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

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
  /** Static previews still shown (0 once every figure drew). */
  previewsLeft: number;
  /** The text of the plotly.js loader's status line. */
  plotlyStatus: string;
  /** Height of the page content in CSS pixels. */
  height: number;
  /** What `opts.pageScript` returned (absent without one). */
  page?: unknown;
}

/**
 * The Chromium binary: `$CHROMIUM` or Debian's `/usr/bin/chromium`.
 *
 * @example
 * ```ts
 * if (!chromiumPath()) throw new Error('install chromium');
 * ```
 */
export function chromiumPath(): string | undefined {
  const c = process.env.CHROMIUM || '/usr/bin/chromium';
  return fs.existsSync(c) ? c : undefined;
}

const PROBE = `<script>
(function () {
  var tries = 0;
  // The bottom of the content (not the viewport: the window is taller than the page for screenshots).
  function contentBottom() {
    var b = 0, kids = document.body.children;
    for (var i = 0; i < kids.length; i++) b = Math.max(b, kids[i].getBoundingClientRect().bottom);
    return Math.ceil(b + window.scrollY + 24);
  }
  function probe() {
    var imgs = [].slice.call(document.querySelectorAll('img'));
    var status = document.querySelector('.fd-plotly-status');
    var r = {
      mainSvg: document.querySelectorAll('.main-svg').length,
      figures: document.querySelectorAll('.fd-figure').length,
      drawn: document.querySelectorAll('.fd-figure[data-fd-drawn]').length,
      images: imgs.length,
      imagesLoaded: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
      previewsLeft: document.querySelectorAll('.fd-figure-preview').length,
      plotlyStatus: status ? status.textContent : '',
      height: contentBottom()
    };
    document.body.setAttribute('data-fd-report', JSON.stringify(r));
    if ((r.drawn < r.figures || r.imagesLoaded < r.images) && tries++ < 300) setTimeout(probe, 100);
    else if (typeof window.__fdPageScript === 'function') runPageScript();
  }
  // The caller's page script (opts.pageScript), run once everything drew; its result (or error) is
  // recorded for the report's 'page' field.
  function runPageScript() {
    var script = window.__fdPageScript;
    window.__fdPageScript = null;
    Promise.resolve()
      .then(function () { return script(); })
      .then(function (v) { document.body.setAttribute('data-fd-page', JSON.stringify({ ok: true, value: v })); },
            function (e) { document.body.setAttribute('data-fd-page', JSON.stringify({ ok: false, error: String(e && e.stack || e) })); });
  }
  window.addEventListener('load', function () { setTimeout(probe, 0); });
})();
</script>`;

function runChromium(args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const bin = chromiumPath();
  if (!bin) return Promise.reject(new Error('chromium not found (apt-get install chromium, or set CHROMIUM)'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-chromium-'));
  const base = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--disable-quic', '--hide-scrollbars', `--user-data-dir=${profile}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...base, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      fs.rmSync(profile, { recursive: true, force: true });
      resolve({ stdout, stderr, code });
    });
  });
}

/**
 * Loads `htmlFile` (a copy with a probe script injected) in headless Chromium for up to
 * `budgetMs` of virtual time and returns what rendered; with `screenshot`, also saves a full-page PNG
 * there (`width` CSS pixels wide, at most `maxHeight`, default 12,000, tall).
 *
 * `pageScript` is the source of a JavaScript function (it may be async) run in the page once every
 * figure drew and every image loaded; its JSON-serialisable result is the report's `page` field, and
 * an exception it throws is rethrown here. The screenshot shows the page after it ran.
 *
 * @example
 * ```ts
 * const r = await checkInChromium('out/notebooks/00-tour.html', { screenshot: 'out/notebooks/00-tour.png' });
 * assert(r.drawn === r.figures && r.mainSvg > 0);
 * ```
 */
export async function checkInChromium(
  htmlFile: string,
  opts: { screenshot?: string; width?: number; maxHeight?: number; budgetMs?: number; timeoutMs?: number; pageScript?: string } = {},
): Promise<BrowserReport> {
  const html = fs.readFileSync(htmlFile, 'utf8');
  const probeFile = htmlFile.replace(/\.html$/, '') + '.probe.html';
  const at = html.lastIndexOf('</body>');
  const inject = (opts.pageScript ? `<script>window.__fdPageScript = (${opts.pageScript.replace(/<\/script/gi, '<\\/script')});</script>` : '') + PROBE;
  fs.writeFileSync(probeFile, at >= 0 ? html.slice(0, at) + inject + html.slice(at) : html + inject);
  const url = 'file://' + path.resolve(probeFile);
  const budget = String(opts.budgetMs ?? 20000);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const width = opts.width ?? 1100;
  // One Chromium run does both: the DOM (with the probe's report) and a screenshot of a tall window,
  // cropped afterwards to the page height the probe measured.
  const shotFile = opts.screenshot ? path.resolve(opts.screenshot) : undefined;
  const tmpShot = shotFile ? `${shotFile}.${process.pid}.tmp.png` : undefined;
  const height = opts.screenshot ? (opts.maxHeight ?? 12000) : 1000;
  const args = [`--virtual-time-budget=${budget}`, `--window-size=${width},${height}`, '--dump-dom'];
  if (tmpShot) {
    fs.mkdirSync(path.dirname(tmpShot), { recursive: true });
    args.push(`--screenshot=${tmpShot}`);
  }
  const dom = await runChromium([...args, url], timeoutMs);
  const m = /data-fd-report="([^"]*)"/.exec(dom.stdout);
  if (!m) {
    throw new Error(`chromium did not run the page probe for ${htmlFile} (exit ${dom.code}); stderr:\n${dom.stderr.split('\n').slice(-15).join('\n')}`);
  }
  const json = unescapeAttr(m[1]);
  const report = JSON.parse(json) as BrowserReport;
  if (opts.pageScript) {
    const p = /data-fd-page="([^"]*)"/.exec(dom.stdout);
    if (!p) throw new Error(`the page script did not finish within the virtual time budget (${budget} ms) for ${htmlFile}: ${JSON.stringify(report)}`);
    const result = JSON.parse(unescapeAttr(p[1])) as { ok: boolean; value?: unknown; error?: string };
    if (!result.ok) throw new Error(`the page script failed in ${htmlFile}: ${result.error}`);
    report.page = result.value;
  }
  if (shotFile && tmpShot) {
    if (!fs.existsSync(tmpShot)) throw new Error(`chromium wrote no screenshot (exit ${dom.code}): ${dom.stderr.split('\n').slice(-10).join('\n')}`);
    const meta = await sharp(tmpShot).metadata();
    const h = Math.max(1, Math.min(meta.height ?? 1, report.height));
    await sharp(tmpShot).extract({ left: 0, top: 0, width: meta.width ?? width, height: h }).png().toFile(shotFile);
    fs.rmSync(tmpShot, { force: true });
  }
  fs.rmSync(probeFile, { force: true });
  return report;
}

/** Undoes the HTML attribute escaping of `--dump-dom`. */
function unescapeAttr(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
