import * as crypto from 'node:crypto';
import * as util from 'node:util';
import { Displayable, inspectDisplayable, MimeBundle } from './kernel-bridge';
import { figureHtml, plotlyJson, plotlyLoaderHtml } from './plotly-embed';
import { escapeXml, oneLine, plotlyTextToPlain } from '../util/escape';
import { writeTextAtomic } from '../util/fs-atomic';

/**
 * A Plotly figure: `data` traces plus `layout`, exactly as `Plotly.newPlot(div, data, layout, config)`
 * takes them. Figure builders in `viz/` return one; the display layer renders it.
 *
 * @example
 * ```ts
 * const fig = new fd.Figure({ data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: 't' } } });
 * JSON.stringify(fig); // {"data":[...],"layout":{...}}
 * ```
 */
export interface PlotlySpec {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let figureCounter = 0;

/**
 * See {@link PlotlySpec}. A Figure renders itself when it is a notebook cell's last value (tslab, and
 * Deno's kernel via `Symbol.for('Jupyter.display')`) as one output carrying
 * `application/vnd.plotly.v1+json` (JupyterLab's Plotly renderer, VS Code, nteract), `text/html` (draws
 * with the plotly.js embedded by `init()`) and `text/plain` (a one-line summary).
 *
 * A live output has no `image/png`, as in plotly.py: the static PNG that viewers without JavaScript
 * show (GitHub, PDF export) is drawn by plotly.js itself in headless Chromium when notebooks are
 * exported with `npm run notebooks` (see `kernel/figure-png.ts`), the way plotly.py uses Kaleido.
 */
export class Figure implements PlotlySpec, Displayable {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;

  constructor(spec: PlotlySpec) {
    this.data = spec.data;
    this.layout = spec.layout;
    if (spec.config) this.config = spec.config;
  }

  /** The plain Plotly spec (what `application/vnd.plotly.v1+json` carries). */
  toJSON(): PlotlySpec {
    return this.config ? { data: this.data, layout: this.layout, config: this.config } : { data: this.data, layout: this.layout };
  }

  /** One line describing the figure: title, trace types and point counts. */
  toString(): string {
    const t = this.layout?.title as unknown;
    const title = typeof t === 'string' ? t : t && typeof t === 'object' ? String((t as { text?: unknown }).text ?? '') : '';
    const traces = (this.data ?? []).map((d) => {
      const n = ['x', 'y', 'values', 'z'].map((k) => d[k]).find((v) => Array.isArray(v) || ArrayBuffer.isView(v)) as ArrayLike<unknown> | undefined;
      return `${typeof d.type === 'string' ? d.type : 'scatter'}${n ? `[${n.length}]` : ''}`;
    });
    // The title may hold user text (a class name): one safe line of plain text.
    const plain = oneLine(plotlyTextToPlain(title).trim(), 120);
    return `Figure(${plain ? `"${plain}", ` : ''}${traces.join(', ') || 'no traces'})`;
  }

  /**
   * The MIME bundle shown in notebooks. Element ids are derived from the spec's content plus a
   * per-process counter, so re-running a notebook reproduces them exactly.
   */
  toMimeBundle(): MimeBundle {
    const json = plotlyJson(this.toJSON()) as PlotlySpec;
    const text = JSON.stringify(json);
    const id = `fd-fig-${crypto.createHash('sha1').update(text).digest('hex').slice(0, 10)}-${++figureCounter}`;
    return {
      'application/vnd.plotly.v1+json': json,
      'text/html': figureHtml(json, id, this.toString()),
      'text/plain': this.toString(),
    };
  }

  /**
   * The figure as a standalone, offline HTML page: plotly.js embedded (compressed, about 2 MB) and
   * the interactive chart. For figures made outside a notebook, e.g. in a script.
   *
   * @example
   * ```ts
   * const page = fd.scoreHistogram(scores).toHtml();
   * ```
   */
  toHtml(): string {
    const json = plotlyJson(this.toJSON()) as PlotlySpec;
    const id = `fd-fig-${crypto.createHash('sha1').update(JSON.stringify(json)).digest('hex').slice(0, 10)}`;
    const title = escapeXml(oneLine(this.toString(), 200));
    return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body>\n${plotlyLoaderHtml()}\n${figureHtml(json, id, this.toString())}\n</body></html>\n`;
  }

  /**
   * Writes {@link toHtml} to `file` (atomically: a temp file renamed into place).
   *
   * @example
   * ```ts
   * fd.projectionPlot(dirs, scores, { classId: 0 }).saveHtml('out/projection.html');
   * ```
   */
  saveHtml(file: string): void {
    writeTextAtomic(file, this.toHtml());
  }

  [util.inspect.custom](depth: number, options: util.InspectOptionsStylized): string {
    return inspectDisplayable(this, depth, options);
  }

  [Symbol.for('Jupyter.display')](): MimeBundle {
    return this.toMimeBundle();
  }
}
