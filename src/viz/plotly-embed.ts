/**
 * The HTML that makes Plotly figures draw offline in notebooks: plotly.js embedded once (gzip + base64,
 * unpacked in the browser with `DecompressionStream`), and per figure a div plus a script that draws
 * when `window.Plotly` exists and otherwise queues itself for the loader, so the order in which
 * outputs appear does not matter.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { escapeXml, oneLine } from '../util/escape';

/**
 * JSON-safe copy of a Plotly spec: typed arrays become arrays, non-finite numbers `null`, floats rounded.
 *
 * @example
 * ```ts
 * plotlyJson({ x: new Float32Array([0.1, NaN]) }); // { x: [0.1, null] }
 * ```
 */
export function plotlyJson(spec: unknown, digits = 7): unknown {
  const round = (v: number) => (Number.isFinite(v) ? (Number.isInteger(v) ? v : Number(v.toPrecision(digits))) : null);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return round(v);
    if (v === null || typeof v !== 'object') return v;
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? Number(x) : round(x)));
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Date) return v.toISOString();
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined && typeof x !== 'function') o[k] = walk(x);
    return o;
  };
  return walk(spec);
}

/**
 * JSON text that is safe inside an HTML `<script>` element.
 *
 * @example
 * ```ts
 * `<script>var spec = ${scriptSafeJson(fd.scoreHistogram(scores))};</script>`;
 * ```
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
    // DEL, C1 controls and non-characters: valid JSON, but parse errors in HTML (user text in specs).
    .replace(/[\u007f-\u009f\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function plotlyPath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

/**
 * The version of the plotly.js bundle that is embedded.
 *
 * @example
 * ```ts
 * plotlyVersion(); // '4.1.2'
 * ```
 */
export function plotlyVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(plotlyPath()), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

let packed: { b64: string; version: string; sha: string } | undefined;

/**
 * plotly.min.js, gzip-compressed (level 9, deterministic) and base64-encoded; computed once per process.
 *
 * @example
 * ```ts
 * import * as zlib from 'node:zlib';
 * zlib.gunzipSync(Buffer.from(packedPlotly().b64, 'base64')); // plotly.min.js
 * ```
 */
export function packedPlotly(): { b64: string; version: string; sha: string } {
  if (!packed) {
    const src = fs.readFileSync(plotlyPath());
    const gz = zlib.gzipSync(src, { level: 9 });
    packed = { b64: gz.toString('base64'), version: plotlyVersion(), sha: crypto.createHash('sha256').update(src).digest('hex').slice(0, 16) };
  }
  return packed;
}

/**
 * The output of `init()`: plotly.js embedded once, unpacked and loaded as `window.Plotly`, then every
 * queued figure drawn. Safe to include several times on one page (later copies only drain the queue).
 *
 * @example
 * ```ts
 * const html = plotlyLoaderHtml(); // ~1.9 MB, mostly base64
 * ```
 */
export function plotlyLoaderHtml(): string {
  const { b64, version } = packedPlotly();
  const status = 'fd-plotly-status';
  // The loader: `window.__fdPlotly` holds the queue of draw callbacks until plotly.js is ready.
  const loader = `(function () {
  var q = window.__fdPlotly = window.__fdPlotly || { queue: [], loading: false };
  var statusEls = document.querySelectorAll('.${status}');
  var el = statusEls[statusEls.length - 1];
  function say(t) { if (el) el.textContent = t; }
  function drain() {
    var fns = q.queue.splice(0, q.queue.length);
    for (var i = 0; i < fns.length; i++) { try { fns[i](); } catch (e) { console.error(e); } }
  }
  if (window.Plotly) { say('plotly.js ' + window.Plotly.version + ' ready'); drain(); return; }
  if (q.loading) return;
  if (typeof DecompressionStream === 'undefined') { say('This browser cannot unpack the embedded plotly.js (no DecompressionStream); figures cannot draw.'); return; }
  q.loading = true;
  var b64 = document.getElementById('fd-plotly-src-${version.replace(/\W/g, '_')}');
  var bin = atob(b64 ? b64.textContent.trim() : '');
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function (src) {
    var s = document.createElement('script');
    s.text = src;
    document.head.appendChild(s);
    q.loading = false;
    if (!window.Plotly) throw new Error('plotly.js did not define window.Plotly');
    say('plotly.js ' + window.Plotly.version + ' ready (embedded, offline)');
    drain();
  }).catch(function (e) { q.loading = false; say('Loading plotly.js failed: ' + e + '; figures cannot draw.'); console.error('failure-directions: loading plotly.js failed: ' + e); });
})();`;
  return (
    `<div class="${status}" style="font-size:11px;color:#888">failure-directions: plotly.js ${version} embedded; needs a trusted notebook to run</div>\n` +
    `<script type="text/plain" id="fd-plotly-src-${version.replace(/\W/g, '_')}">${b64}</script>\n` +
    `<script type="text/javascript">\n${loader}\n</script>`
  );
}

/**
 * The HTML of one figure: a div that plotly.js draws the interactive chart into, and until then a
 * one-line placeholder naming the figure (`label`), which is what a viewer that runs no JavaScript
 * shows of this HTML (an untrusted notebook). `id` must be unique on the page. The figure's static PNG
 * is not embedded here: `npm run notebooks` stores it once, as the output's `image/png`.
 *
 * @example
 * ```ts
 * figureHtml({ data: [], layout: {} }, 'fd-fig-1', 'Figure("scores", histogram[200])');
 * ```
 */
export function figureHtml(spec: unknown, id: string, label = 'figure'): string {
  const placeholder =
    `<div class="fd-figure-placeholder" style="font-size:12px;color:#888;padding:4px 0">${escapeXml(oneLine(label, 200))}: ` +
    'interactive figure, drawn by plotly.js when the notebook is trusted and fd.init() ran</div>';
  const draw = `(function () {
  var id = ${JSON.stringify(id)};
  var spec = ${scriptSafeJson(spec)};
  function draw() {
    var box = document.getElementById(id);
    if (!box || box.getAttribute('data-fd-drawn')) return;
    var plot = box.querySelector('.fd-figure-plot');
    var config = Object.assign({ responsive: true, displaylogo: false }, spec.config || {});
    window.Plotly.newPlot(plot, spec.data, spec.layout || {}, config).then(function () {
      var note = box.querySelector('.fd-figure-placeholder');
      if (note) note.parentNode.removeChild(note);
      box.setAttribute('data-fd-drawn', '1');
    }, function (e) { console.error('failure-directions: plotly.js could not draw ' + id + ': ' + (e && e.message || e)); });
  }
  if (window.Plotly) draw();
  else { var q = window.__fdPlotly = window.__fdPlotly || { queue: [], loading: false }; q.queue.push(draw); }
})();`;
  return (
    `<div class="fd-figure" id="${id}"><div class="fd-figure-plot"></div>${placeholder}</div>\n` +
    `<script type="text/javascript">\n${draw}\n</script>`
  );
}
