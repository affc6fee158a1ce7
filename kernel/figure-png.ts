/**
 * Static PNGs of Plotly figures, drawn by plotly.js itself in headless Chromium — what Python plotly
 * does with Kaleido. `npm run notebooks` uses it after executing a notebook to add an `image/png` to
 * every output that carries `application/vnd.plotly.v1+json`, so viewers that run no JavaScript
 * (GitHub, nbconvert to PDF/LaTeX, untrusted notebooks in some front ends) show the real figure:
 * subplots, annotations, patterns, tables and slider positions included. A live notebook's figures
 * have no PNG (as in plotly.py without an image renderer).
 *
 * The plotly.js is the `plotly.js-dist-min` bundle that `fd.init()` embeds, so the PNG and the
 * interactive chart come from the same code. Rendering is deterministic: `Plotly.toImage` with a fixed
 * size (the layout's `width`/`height`, else Kaleido's 700 x 500) and scale, a static plot (no
 * transitions), then a deterministic re-encode (see {@link FigurePngOptions.compress}).
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import { type Browser, launchChromium, type LaunchOptions, openPage, type PageSession } from './browser';

/** A Plotly spec as stored in `application/vnd.plotly.v1+json`. */
export interface PlotlyJsonSpec {
  data?: unknown[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** Options of {@link FigurePngRenderer.render} and {@link addFigurePngs}. */
export interface FigurePngOptions {
  /** Image size in CSS pixels; default the layout's `width`/`height`, else 700 x 500 (Kaleido's default). */
  width?: number;
  height?: number;
  /** Device pixels per CSS pixel (default 1: the PNG shows at its natural size where no metadata is read). */
  scale?: number;
  /**
   * How the PNG that Chromium encodes is re-encoded (sharp/libvips, deterministic):
   * - `'palette'` (default): quantised to at most 256 colours (libimagequant, quality 100). On the 20
   *   figures of notebooks 00-04: 352 KB in all, against 1,038 KB lossless and 1,268 KB as Chromium
   *   encodes them; channel values differ from the lossless PNG by 0.03/255 on average, by more than
   *   8/255 for 0.025% of them (at most 40/255: anti-aliased edges and translucent markers).
   * - `'lossless'`: the same pixels, maximum zlib effort with adaptive filtering (~20% smaller).
   * - `'none'`: Chromium's bytes as they are.
   */
  compress?: 'palette' | 'lossless' | 'none';
}

/** One rendered figure. */
export interface FigurePng {
  png: Buffer;
  /** Pixel size of the PNG. */
  width: number;
  height: number;
  /** Wall time of the render, ms. */
  ms: number;
}

declare const Plotly: { version: string; toImage(fig: unknown, opts: Record<string, unknown>): Promise<string> };

/**
 * The path of the plotly.js bundle that the package embeds (`plotly.js-dist-min`).
 *
 * @example
 * ```ts
 * fs.readFileSync(plotlyBundlePath(), 'utf8');
 * ```
 */
export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

/**
 * A page with plotly.js loaded once, rendering figures to PNG one after another. Open it once per
 * browser ({@link FigurePngRenderer.open}), render many figures, then {@link FigurePngRenderer.close}.
 *
 * @example
 * ```ts
 * await withChromium(async (browser) => {
 *   const r = await FigurePngRenderer.open(browser);
 *   const { png } = await r.render({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { width: 400, height: 300 } });
 *   fs.writeFileSync('bar.png', png);
 *   await r.close();
 * });
 * ```
 */
export class FigurePngRenderer {
  private constructor(
    private readonly session: PageSession,
    /** The plotly.js version in the page. */
    readonly plotlyVersion: string,
  ) {}

  /** Opens a page in `browser` and loads plotly.js into it (1-2 s). */
  static async open(browser: Browser): Promise<FigurePngRenderer> {
    const session = await openPage(browser, { width: 1000, height: 800 });
    try {
      await session.page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
      await session.page.addScriptTag({ content: fs.readFileSync(plotlyBundlePath(), 'utf8') });
      const version = await session.page.evaluate(() => Plotly.version);
      if (session.errors.length) throw new Error(`loading plotly.js into Chromium failed:\n${session.errors.join('\n')}`);
      return new FigurePngRenderer(session, version);
    } catch (e) {
      await session.close();
      throw e;
    }
  }

  /**
   * Renders one figure with `Plotly.toImage`. Rejects when plotly.js throws or reports an error on the
   * page while drawing (`what` names the figure in the message).
   */
  async render(spec: PlotlyJsonSpec, opts: FigurePngOptions = {}, what = 'figure'): Promise<FigurePng> {
    const started = Date.now();
    const layout = spec.layout ?? {};
    const size = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
    const width = opts.width ?? size(layout.width) ?? 700;
    const height = opts.height ?? size(layout.height) ?? 500;
    const scale = opts.scale ?? 1;
    const before = this.session.errors.length;
    let url: string;
    try {
      url = await this.session.page.evaluate(
        ({ fig, o }) => Plotly.toImage(fig, o),
        { fig: { data: spec.data ?? [], layout, config: spec.config ?? {} }, o: { format: 'png', width, height, scale } },
      );
    } catch (e) {
      throw new Error(`${what}: plotly.js could not render it: ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
    const errors = this.session.errors.slice(before);
    if (errors.length) throw new Error(`${what}: plotly.js reported errors while rendering it:\n${errors.join('\n')}`);
    const m = /^data:image\/png;base64,(.*)$/s.exec(url);
    if (!m) throw new Error(`${what}: Plotly.toImage returned no PNG data URL (got ${JSON.stringify(url.slice(0, 40))})`);
    let png = Buffer.from(m[1], 'base64');
    const compress = opts.compress ?? 'palette';
    if (compress === 'palette') png = await sharp(png).png({ palette: true, quality: 100, compressionLevel: 9 }).toBuffer();
    else if (compress === 'lossless') png = await sharp(png).png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
    else if (compress !== 'none') throw new Error(`${what}: unknown compress option ${JSON.stringify(compress)} (palette, lossless or none)`);
    const meta = await sharp(png).metadata();
    return { png, width: meta.width ?? 0, height: meta.height ?? 0, ms: Date.now() - started };
  }

  /**
   * Where plotly.js puts each subplot's plot area when it draws `spec` at the size {@link render} uses:
   * one rectangle per subplot (`x`, `y` from the top-left corner, in CSS pixels), read from plotly's own
   * layout. For checking a rendered PNG against the figure's structure.
   *
   * @example
   * ```ts
   * const areas = await r.plotAreas(spec); // [{ id: 'xy', x: 80, y: 100, width: 245, height: 270 }, { id: 'x2y2', ... }]
   * ```
   */
  async plotAreas(spec: PlotlyJsonSpec, opts: Pick<FigurePngOptions, 'width' | 'height'> = {}): Promise<Array<{ id: string; x: number; y: number; width: number; height: number }>> {
    const layout = spec.layout ?? {};
    const size = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
    const width = opts.width ?? size(layout.width) ?? 700;
    const height = opts.height ?? size(layout.height) ?? 500;
    return this.session.page.evaluate(
      async ({ fig }) => {
        const div = document.createElement('div');
        div.style.position = 'absolute';
        div.style.left = '-5000px';
        document.body.appendChild(div);
        const P = Plotly as unknown as {
          newPlot(d: HTMLElement, data: unknown, layout: unknown, config: unknown): Promise<unknown>;
          purge(d: HTMLElement): void;
        };
        await P.newPlot(div, fig.data, fig.layout, { staticPlot: true });
        type Ax = { _offset: number; _length: number };
        const plots = (div as unknown as { _fullLayout: { _plots: Record<string, { xaxis: Ax; yaxis: Ax }> } })._fullLayout._plots;
        const out = Object.keys(plots).sort().map((id) => ({ id, x: plots[id].xaxis._offset, y: plots[id].yaxis._offset, width: plots[id].xaxis._length, height: plots[id].yaxis._length }));
        P.purge(div);
        div.remove();
        return out;
      },
      { fig: { data: spec.data ?? [], layout: { ...layout, width, height } } },
    );
  }

  /** Closes the page (not the browser). */
  async close(): Promise<void> {
    await this.session.close();
  }
}

/** A notebook as JSON (nbformat 4), the parts read here. */
export interface NotebookJson {
  cells: Array<{ cell_type: string; outputs?: Array<{ output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown> }> }>;
}

/** What {@link addFigurePngs} did. */
export interface FigurePngReport {
  /** Figures rendered (Plotly outputs). */
  figures: number;
  /** PNG bytes added (decoded, not base64). */
  bytes: number;
  /** Wall time of all renders, ms (opening the renderer excluded). */
  ms: number;
  /** Per figure: 0-based cell index, output index, pixel size, bytes, ms. */
  items: Array<{ cell: number; output: number; width: number; height: number; bytes: number; ms: number }>;
}

const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** The first line of a figure's title (for messages). */
function titleOf(spec: PlotlyJsonSpec): string {
  const t = spec.layout?.title as unknown;
  const s = typeof t === 'string' ? t : t && typeof t === 'object' ? String((t as { text?: unknown }).text ?? '') : '';
  return s.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80);
}

/**
 * Adds (or replaces) `image/png` in every display output of `nb` that carries a Plotly figure
 * (`application/vnd.plotly.v1+json`), in place. `renderer` is opened lazily, on the first figure, so
 * notebooks without figures never start a browser. Errors name the notebook (`name`), the cell and the
 * figure's title.
 *
 * @example
 * ```ts
 * const nb = JSON.parse(fs.readFileSync('out/notebooks/00-tour.ipynb', 'utf8'));
 * await withChromium(async (browser) => {
 *   const r = await FigurePngRenderer.open(browser);
 *   console.log(await addFigurePngs(nb, async () => r, '00-tour'));
 *   await r.close();
 * });
 * ```
 */
export async function addFigurePngs(
  nb: NotebookJson,
  renderer: () => Promise<FigurePngRenderer>,
  name = 'notebook',
  opts: FigurePngOptions = {},
): Promise<FigurePngReport> {
  const report: FigurePngReport = { figures: 0, bytes: 0, ms: 0, items: [] };
  for (let c = 0; c < nb.cells.length; c++) {
    const outputs = nb.cells[c].outputs ?? [];
    for (let o = 0; o < outputs.length; o++) {
      const out = outputs[o];
      if ((out.output_type !== 'display_data' && out.output_type !== 'execute_result') || !out.data || !(PLOTLY_MIME in out.data)) continue;
      const spec = out.data[PLOTLY_MIME] as PlotlyJsonSpec;
      const title = titleOf(spec);
      const what = `${name}, cell ${c} (0-based), output ${o}${title ? `: figure "${title}"` : ''}`;
      const r = await (await renderer()).render(spec, opts, what);
      out.data['image/png'] = r.png.toString('base64');
      report.figures++;
      report.bytes += r.png.length;
      report.ms += r.ms;
      report.items.push({ cell: c, output: o, width: r.width, height: r.height, bytes: r.png.length, ms: r.ms });
    }
  }
  return report;
}

/**
 * A {@link FigurePngRenderer} started on first use — Chromium launched and plotly.js loaded once —
 * and shared by everything that renders until {@link LazyFigurePngRenderer.close}. `npm run notebooks`
 * keeps one for the whole run.
 *
 * @example
 * ```ts
 * const lazy = new LazyFigurePngRenderer();
 * try { await addFigurePngs(nb, () => lazy.get(), '01-colored-mnist'); } finally { await lazy.close(); }
 * ```
 */
export class LazyFigurePngRenderer {
  private browser?: Browser;
  private opening?: Promise<FigurePngRenderer>;
  /** Wall time of the launch plus plotly.js load, ms (0 until started). */
  startMs = 0;

  constructor(private readonly launch: LaunchOptions = {}) {}

  /** Whether the browser was started. */
  get started(): boolean {
    return this.opening !== undefined;
  }

  /** The renderer, starting the browser on the first call. */
  get(): Promise<FigurePngRenderer> {
    if (!this.opening) {
      const t0 = Date.now();
      this.opening = (async () => {
        this.browser = await launchChromium(this.launch);
        const r = await FigurePngRenderer.open(this.browser);
        this.startMs = Date.now() - t0;
        return r;
      })();
    }
    return this.opening;
  }

  /** Closes the browser, if it was started; the next {@link get} starts a new one. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening) await opening.catch(() => undefined);
    const b = this.browser;
    this.browser = undefined;
    if (b) await b.close();
  }
}
