/**
 * The display layer: the only module that talks to the notebook kernel.
 *
 * In a tslab kernel, outputs go through tslab's internal per-cell writer so that one output can carry
 * several MIME types (Plotly JSON + HTML + text); if that internal hook ever disappears, the
 * public `display.raw` (one MIME type per output) is the fallback. Outside a kernel, displays print a
 * text summary to stdout. Objects that render themselves (figures, tables, image strips) do so from
 * `util.inspect`, which tslab applies to a cell's last value, and through `Symbol.for('Jupyter.display')`
 * for Deno's kernel.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as util from 'node:util';
import { ProgressSink, ProgressState, progressLine, setProgressSink } from '../progress';
import { ensureFontConfig } from './fonts';
import { plotlyLoaderHtml, plotlyVersion } from './plotly-embed';
import { isTable, tableBundle, tableText, TableViewOptions } from './table-html';

/** MIME type -> content (text, or base64 for binary types such as `image/png`). */
export type MimeBundle = Record<string, string | object>;

/** One display message as the Jupyter protocol carries it. */
export interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** Receives display messages; `update` replaces the output with the same `transient.display_id`. */
export type DisplayWriter = (message: DisplayMessage, update: boolean) => void;

/**
 * Anything that can render itself as a MIME bundle (figures, image strips, table views).
 *
 * @example
 * ```ts
 * const hello: Displayable = { toMimeBundle: () => ({ 'text/html': '<b>hi</b>', 'text/plain': 'hi' }) };
 * show(hello);
 * ```
 */
export interface Displayable {
  toMimeBundle(): MimeBundle;
}

/**
 * Whether `x` renders itself (has `toMimeBundle`).
 *
 * @example
 * ```ts
 * isDisplayable(new Figure({ data: [], layout: {} })); // true
 * ```
 */
export function isDisplayable(x: unknown): x is Displayable {
  return !!x && typeof (x as Displayable).toMimeBundle === 'function';
}

interface TslabPublic {
  display: { raw(contentType: string, b: string | Uint8Array): void };
  newDisplay(): { raw(contentType: string, b: string | Uint8Array): void };
}

let customWriter: DisplayWriter | null | undefined;
let jupyterModule: { exports: { lastWriteDisplayData?: unknown } } | undefined;

/** The kernel's own copy of tslab (a library's own `require('tslab')` would get an unready copy). */
function kernelTslab(): TslabPublic | undefined {
  const t = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  if (!t || typeof t.require !== 'function') return undefined;
  try {
    const m = t.require('tslab') as TslabPublic;
    return m && m.display && typeof m.display.raw === 'function' ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * tslab's internal per-cell writer, `lastWriteDisplayData(message, update)` exported by the kernel's
 * `tslab/dist/jupyter.js`. Not public API: everything that depends on it is in this function, and
 * callers fall back to `display.raw` when it is missing.
 */
function tslabInternalWriter(): DisplayWriter | undefined {
  if (!jupyterModule) {
    const suffix = ['tslab', 'dist', 'jupyter.js'].join(path.sep);
    for (const m of Object.values(require.cache)) {
      if (m && m.filename.endsWith(suffix) && m.exports && 'lastWriteDisplayData' in m.exports) {
        jupyterModule = m as unknown as { exports: { lastWriteDisplayData?: unknown } };
        break;
      }
    }
  }
  const write = jupyterModule?.exports.lastWriteDisplayData;
  if (typeof write !== 'function') return undefined;
  return (message, update) => (write as DisplayWriter)(message, update);
}

/** The richest type a one-MIME-per-output display can show, in frontend preference order. */
const FALLBACK_ORDER = ['text/html', 'image/png', 'image/svg+xml', 'text/markdown', 'text/plain'];

function publicApiWriter(tslab: TslabPublic): DisplayWriter {
  const handles = new Map<string, { raw(contentType: string, b: string | Uint8Array): void }>();
  return (message, update) => {
    const type = FALLBACK_ORDER.find((t) => typeof message.data[t] === 'string');
    if (!type) return;
    const value = message.data[type] as string;
    const payload = type === 'image/png' ? Buffer.from(value, 'base64') : value;
    const id = message.transient?.display_id;
    if (!id) return tslab.display.raw(type, payload);
    let h = handles.get(id);
    if (!h || !update) {
      h = tslab.newDisplay();
      handles.set(id, h);
    }
    h.raw(type, payload);
  };
}

/**
 * The writer displays go to: one set with {@link setDisplayWriter}, else the tslab kernel's, else none
 * (outside a kernel).
 */
function currentWriter(): DisplayWriter | undefined {
  if (customWriter !== undefined) return customWriter ?? undefined;
  const tslab = kernelTslab();
  if (!tslab) return undefined;
  return tslabInternalWriter() ?? publicApiWriter(tslab);
}

/**
 * Routes displays to `writer` instead of the kernel (e.g. to collect them in tests or to bridge another
 * kernel); `null` forces the text fallback, `undefined` restores automatic detection. Returns the
 * previous setting.
 *
 * @example
 * ```ts
 * const seen: DisplayMessage[] = [];
 * setDisplayWriter((m) => seen.push(m));
 * show(fig);
 * setDisplayWriter(undefined);
 * ```
 */
export function setDisplayWriter(writer: DisplayWriter | null | undefined): DisplayWriter | null | undefined {
  const prev = customWriter;
  customWriter = writer;
  return prev;
}

/**
 * Whether displays reach a notebook (a tslab kernel or a writer set with {@link setDisplayWriter}).
 *
 * @example
 * ```ts
 * if (!inNotebook()) console.log('running in plain Node');
 * ```
 */
export function inNotebook(): boolean {
  return currentWriter() !== undefined;
}

/**
 * Sends one output carrying every MIME type of `bundle` (text summary on stdout outside a kernel).
 * With `displayId`, a later call with `update: true` replaces that output in place.
 *
 * @example
 * ```ts
 * publish({ 'text/html': '<b>done</b>', 'text/plain': 'done' });
 * ```
 */
export function publish(bundle: MimeBundle, opts: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> } = {}): undefined {
  const writer = currentWriter();
  if (!writer) {
    const text = bundle['text/plain'];
    if (typeof text === 'string' && !opts.update) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    return undefined;
  }
  const message: DisplayMessage = { data: bundle, metadata: opts.metadata ?? {}, transient: opts.displayId ? { display_id: opts.displayId } : {} };
  writer(message, !!opts.update);
  return undefined;
}

/**
 * tslab prints a cell's last value with `console.log(util.inspect(value))`. A self-rendering object
 * publishes its bundle from `inspect` and returns a summary; this swallows that one echoed line so the
 * cell shows only the rich output. The guard restores stdout after one write or on the next turn.
 */
function swallowEcho(line: string): void {
  const out = process.stdout;
  const original = out.write;
  let done = false;
  const restore = () => {
    if (!done && out.write === filter) out.write = original;
    done = true;
  };
  const filter = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    restore();
    if (typeof chunk === 'string' && chunk === line + '\n') return true;
    return (original as (...a: unknown[]) => boolean).call(out, chunk, ...rest);
  } as typeof out.write;
  out.write = filter;
  setImmediate(restore);
}

/**
 * The `[util.inspect.custom]` behaviour shared by self-rendering objects: as the top-level value in a
 * notebook (a cell's last expression, or `console.log(x)`), publish the bundle and print nothing else;
 * nested, or outside a notebook, inspect as the one-line text summary.
 *
 * @example
 * ```ts
 * class Card implements Displayable {
 *   toMimeBundle() { return { 'text/html': '<i>card</i>', 'text/plain': 'card' }; }
 *   [util.inspect.custom](depth: number, o: util.InspectOptionsStylized) { return inspectDisplayable(this, depth, o); }
 * }
 * ```
 */
export function inspectDisplayable(obj: Displayable, depth: number, options: util.InspectOptionsStylized): string {
  const topLevel = depth === options.depth;
  if (topLevel && inNotebook()) {
    const bundle = obj.toMimeBundle();
    publish(bundle);
    const summary = summaryOf(bundle);
    swallowEcho(summary);
    return summary;
  }
  // Text only: never build the bundle just to print a summary.
  return String(obj);
}

function summaryOf(bundle: MimeBundle): string {
  const text = bundle['text/plain'];
  return typeof text === 'string' ? text.split('\n')[0] : '[display]';
}

/** Options of {@link show}. */
export interface ShowOptions extends TableViewOptions {}

/**
 * Displays `x` in the notebook: a Figure (interactive Plotly), an Arquero table (HTML,
 * first `limit` rows), an image strip, a PNG `Buffer`, a plain Plotly spec `{data, layout}`, or any
 * other value as text. Outside a kernel prints a text summary. Returns `undefined`, so a `show` call
 * as a cell's last expression prints nothing extra.
 *
 * @example
 * ```ts
 * show(scores, { limit: 20 });
 * show(projectionPlot(latents, { color: labels }));
 * ```
 */
export function show(x: unknown, opts: ShowOptions = {}): undefined {
  if (isDisplayable(x)) return publish(x.toMimeBundle());
  if (isTable(x)) return publish(tableBundle(x, opts));
  if (x instanceof Uint8Array && x.length > 8 && x[0] === 0x89 && x[1] === 0x50 && x[2] === 0x4e && x[3] === 0x47) {
    return publish({ 'image/png': Buffer.from(x).toString('base64'), 'text/plain': `PNG image (${x.length} bytes)` });
  }
  const spec = x as { data?: unknown; layout?: unknown };
  if (spec && typeof spec === 'object' && Array.isArray(spec.data) && spec.layout && typeof spec.layout === 'object') {
    // Plain spec object: wrap lazily to avoid an import cycle (figure.ts imports this module).
    const { Figure } = require('./figure') as typeof import('./figure');
    return publish(new Figure(spec as ConstructorParameters<typeof Figure>[0]).toMimeBundle());
  }
  if (typeof x === 'string') return publish({ 'text/plain': x });
  return publish({ 'text/plain': util.inspect(x, { depth: 4, colors: false }) });
}

/**
 * Displays an HTML snippet (text outside a kernel: the tags stripped).
 *
 * @example
 * ```ts
 * showHtml('<b>12</b> classes fitted');
 * ```
 */
export function showHtml(html: string): undefined {
  return publish({ 'text/html': html, 'text/plain': html.replace(/<[^>]+>/g, '') });
}

/**
 * Displays Markdown.
 *
 * @example
 * ```ts
 * showMarkdown(`**${n}** errors in class 3`);
 * ```
 */
export function showMarkdown(markdown: string): undefined {
  return publish({ 'text/markdown': markdown, 'text/plain': markdown });
}

// ---------------------------------------------------------------------------------------------------
// Progress in the notebook

function progressHtml(s: ProgressState): string {
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const label = esc(s.label);
  const detail = s.detail ? ' ' + esc(s.detail) : '';
  if (s.finished) return `<div class="fd-progress" style="font-size:12px;color:#555">${label}: ${s.total}/${s.total} done${detail}</div>`;
  const secs = (s.elapsedMs / 1000).toFixed(1);
  return `<div class="fd-progress" style="font-size:12px;color:#333"><progress value="${s.done}" max="${s.total}" style="width:220px;vertical-align:middle"></progress> ${label} ${s.done}/${s.total} ${secs}s${detail}</div>`;
}

function progressText(s: ProgressState): string {
  // Finished lines carry no timing so that re-running a notebook gives identical saved outputs.
  return s.finished ? `${s.label}: ${s.total}/${s.total} done${s.detail ? ' ' + s.detail : ''}` : progressLine(s);
}

/**
 * A progress sink that shows each task as one line in the cell output, updated in place (Jupyter
 * `display_id`), ending as `label: N/N done`.
 *
 * @example
 * ```ts
 * setProgressSink(notebookProgressSink());
 * ```
 */
export function notebookProgressSink(): ProgressSink {
  const ids = new Map<number, string>();
  return {
    update(s) {
      const key = s.id ?? -1;
      let id = ids.get(key);
      const first = id === undefined;
      if (first) {
        id = 'fd-progress-' + crypto.randomBytes(6).toString('hex');
        ids.set(key, id);
      }
      publish({ 'text/html': progressHtml(s), 'text/plain': progressText(s) }, { displayId: id, update: !first });
      if (s.finished) ids.delete(key);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// init

let patched = false;

/**
 * Makes Arquero tables render as HTML when they are a cell's last value: adds `[util.inspect.custom]`
 * and `[Symbol.for('Jupyter.display')]` to the prototype of this package's Arquero `ColumnTable`
 * (tables from another Arquero copy still render through `show`). Only `init()` calls it, so merely
 * importing the package changes nothing.
 */
function patchArquero(): void {
  if (patched) return;
  patched = true;
  let ColumnTable: { prototype: object } | undefined;
  try {
    ColumnTable = (require('arquero') as { ColumnTable?: { prototype: object } }).ColumnTable;
  } catch {
    return;
  }
  if (!ColumnTable) return;
  const proto = ColumnTable.prototype as Record<symbol, unknown>;
  const custom = util.inspect.custom;
  if (!Object.prototype.hasOwnProperty.call(proto, custom)) {
    Object.defineProperty(proto, custom, {
      configurable: true,
      writable: true,
      value: function (this: unknown, depth: number, options: util.InspectOptionsStylized): string {
        if (!isTable(this)) return '[table]';
        const table = this;
        const view: Displayable & { toString(): string } = { toMimeBundle: () => tableBundle(table), toString: () => tableText(table) };
        return inspectDisplayable(view, depth, options);
      },
    });
  }
  const jd = Symbol.for('Jupyter.display');
  if (!Object.prototype.hasOwnProperty.call(proto, jd)) {
    Object.defineProperty(proto, jd, {
      configurable: true,
      writable: true,
      value: function (this: unknown): MimeBundle {
        return isTable(this) ? tableBundle(this) : { 'text/plain': String(this) };
      },
    });
  }
}

let lastInitWriter: unknown;

/**
 * Prepares a notebook; call it in the first cell. Idempotent:
 * - embeds plotly.js (gzip + base64, ~1.9 MB) in this cell's output so figures draw offline, also
 *   after saving and reopening the notebook (a trusted one: executed notebooks are signed by the
 *   runner). Calling it again in the same cell embeds nothing more; re-running the cell re-embeds
 *   (its old output is replaced);
 * - makes Arquero tables render themselves as HTML;
 * - installs a progress sink that updates one line in the cell output per long-running task;
 * - points sharp's text rendering at the shipped font.
 *
 * Outside a kernel it only does the last two steps that apply (no output).
 *
 * @example
 * ```ts
 * import * as fd from 'failure-directions';
 * fd.init();
 * ```
 */
export function init(): undefined {
  ensureFontConfig();
  patchArquero();
  const writer = currentWriter();
  if (!writer) return undefined;
  setProgressSink(notebookProgressSink());
  // tslab replaces its writer on every execution: the same writer means the same cell run.
  const marker = tslabInternalWriter() ? jupyterModule?.exports.lastWriteDisplayData : writer;
  if (marker !== undefined && marker === lastInitWriter) return undefined;
  lastInitWriter = marker;
  publish({
    'text/html': plotlyLoaderHtml(),
    'text/plain': `failure-directions ready: plotly.js ${plotlyVersion()} embedded (offline)`,
  });
  return undefined;
}
