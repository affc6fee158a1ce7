/**
 * What notebook users call to display things (`show`, `showHtml`, `showMarkdown`) and `init()`, the
 * first cell of every notebook. The kernel plumbing is in `kernel-bridge.ts`.
 */
import * as util from 'node:util';
import { setProgressSink } from '../util/progress';
import { ensureFontConfig } from './fonts';
import { Figure } from './figure';
import { currentWriter, isDisplayable, jupyterModule, publish, tslabInternalWriter } from './kernel-bridge';
import { notebookProgressSink } from './notebook-progress';
import { plotlyLoaderHtml, plotlyVersion } from './plotly-embed';
import { patchArquero } from './table-display';
import { isTable, tableBundle, TableViewOptions } from './table-html';

export { inspectDisplayable, isDisplayable, inNotebook, publish, setDisplayWriter } from './kernel-bridge';
export type { Displayable, DisplayMessage, DisplayWriter, MimeBundle } from './kernel-bridge';
export { notebookProgressSink } from './notebook-progress';

/** Options of {@link show}. */
export type ShowOptions = TableViewOptions;

/**
 * Displays `x` in the notebook: a Figure (interactive Plotly), an Arquero table (HTML,
 * first `limit` rows), an image strip, a PNG `Buffer`, a plain Plotly spec `{data, layout}`, or any
 * other value as text. Outside a kernel prints a text summary. Returns `undefined`, so a `show` call
 * as a cell's last expression prints nothing extra.
 *
 * @example
 * ```ts
 * fd.show(scores, { limit: 20 });
 * fd.show(fd.projectionPlot(dirs, scores, { classId: 0 }));
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
 * showMarkdown(`**${dirs.classSummary_.get('nErrors', 3)}** errors in class 3`);
 * ```
 */
export function showMarkdown(markdown: string): undefined {
  return publish({ 'text/markdown': markdown, 'text/plain': markdown });
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
