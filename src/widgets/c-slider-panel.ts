/**
 * The live regularisation panel: a C slider (log scale, any value in a range such as [1e-6, 1e2]), a
 * class dropdown and K. Each change refits that class's SVM with `refit` (warm-started) and redraws,
 * in place, the score histogram, the table of the K hardest samples and their image strip.
 *
 * The three figures are ordinary cell outputs updated with `update_display_data` (so they never pile
 * up, and a saved notebook keeps the last state); the controls are widgets. Changes are coalesced:
 * the first change starts a short timer, later ones only replace the wanted state, and when the timer
 * fires the latest state is fitted, so dragging never queues fits for values already left behind.
 * A refit takes about a millisecond; drawing the histogram's static PNG preview takes most of a
 * redraw (~85 ms of ~140 ms measured), so redraws from the slider leave the preview out and one more
 * update adds it once the panel has been still for {@link PREVIEW_DELAY_MS}. Changes made from code
 * (`setC`, `setClass`, `setK`) redraw at once, with the preview, so that a notebook run headless saves
 * the same outputs every time.
 *
 * Without the comm-enabled kernel (plain tslab, an exported HTML page, a notebook opened without a
 * kernel) the panel's static outputs and the precomputed Plotly slider of {@link cSliderPlot} are what
 * shows; when the live panel renders, a style rule in its header hides that precomputed slider.
 */
import * as crypto from 'node:crypto';
import * as util from 'node:util';
import * as aq from 'arquero';
import { classSamples, ClassSamples } from '../directions/class-samples';
import type { FailureDirections } from '../directions/failure-directions';
import type { SplitInput } from '../directions/split-input';
import { cSliderPlot } from '../viz/c-slider-plot';
import type { Figure } from '../viz/figure';
import { figureHtml, plotlyJson } from '../viz/plotly-embed';
import { inNotebook, MimeBundle, publish } from '../viz/display';
import { escapeXml } from '../viz/fonts';
import { imageStrip, ImageSource } from '../viz/image-strip';
import { formatC } from '../viz/plot-helpers';
import { scoreHistogram } from '../viz/score-histogram';
import { formatNumber, tableHtml } from '../viz/table-html';
import { HBox, VBox } from './box';
import { Dropdown } from './dropdown';
import { HTML } from './html';
import { kernelHost, KernelHost } from './kernel-host';
import { Output } from './output';
import { FloatLogSlider, IntSlider } from './slider';

/** Options of {@link cSliderPanel}. */
export interface CSliderPanelOptions {
  /** Class shown first (default: the first class that has an SVM). */
  classId?: number;
  /**
   * The split's images, row-aligned with `input` (e.g. the `ImageDataset` the input was built from),
   * for the strip of the K hardest. Without it the panel shows no strip.
   */
  images?: ImageSource;
  /** How many hardest samples the table and strip show (default 10; the slider goes to 50). */
  k?: number;
  /** Starting C (default: the class's current C, i.e. the one CV chose unless refitted since). */
  C?: number;
  /** The C slider's range (default [1e-6, 1e2]); it moves on a log10 scale. */
  range?: [number, number];
  /** Coalescing window in ms: changes within it become one refit, the latest wins (default 60). */
  debounceMs?: number;
  /** Also output the precomputed static slider (`cSliderPlot` over the CV grid) for viewers without a kernel (default true). */
  staticFallback?: boolean;
  /** Use widgets when the kernel has comms (default true); false gives the static panel. */
  live?: boolean;
  title?: string;
}

/** What the panel shows after a redraw (also the state the browser test checks). */
export interface CSliderPanelView {
  /** Redraw counter, 1 for the first drawing. */
  seq: number;
  classId: number;
  className: string;
  C: number;
  k: number;
  /** Ids of the K hardest, hardest first. */
  ids: Array<string | number>;
  /** Their decision values. */
  scores: number[];
  /** Their rows in `input`. */
  rows: number[];
  /** Milliseconds spent in refit + redraw. */
  ms: number;
}

interface Wanted {
  classId: number;
  C: number;
  k: number;
}

/** Current C of a class: `classSummary_` (new API) or `cv_` (today), column `C`. */
function currentC(dirs: FailureDirections, classId: number): number | null {
  for (const name of ['classSummary_', 'cv_']) {
    let t: { get?(col: string, row: number): unknown } | undefined;
    try {
      t = (dirs as unknown as Record<string, typeof t>)[name];
    } catch {
      t = undefined;
    }
    if (t && typeof t.get === 'function') {
      const c = t.get('C', classId);
      return typeof c === 'number' && c > 0 ? c : null;
    }
  }
  return null;
}

/** The C cross-validation chose for a class: `cvDetails_` (today) or the `chosen` row of `cvResults_`. */
function cvChosenC(dirs: FailureDirections, classId: number): number | null {
  const d = dirs as unknown as { cvDetails_?: Array<{ chosenC: number | null }>; cvResults_?: { objects(): Array<Record<string, unknown>> } };
  let details: Array<{ chosenC: number | null }> | undefined;
  try {
    details = d.cvDetails_;
  } catch {
    details = undefined;
  }
  if (Array.isArray(details)) return details[classId]?.chosenC ?? null;
  try {
    const row = d.cvResults_?.objects().find((r) => r.class === classId && r.chosen);
    return row && typeof row.C === 'number' ? row.C : null;
  } catch {
    return null;
  }
}

let panelCounter = 0;
let liveFigureCounter = 0;

/** How long the panel must be still before the histogram's static preview is drawn (ms). */
export const PREVIEW_DELAY_MS = 400;

/** A figure's bundle without the static PNG preview (plotly.js draws it; fast enough for dragging). */
function liveFigureBundle(fig: Figure): MimeBundle {
  const json = plotlyJson(fig.toJSON()) as Record<string, unknown>;
  const id = `fd-fig-live-${++liveFigureCounter}`;
  return { 'application/vnd.plotly.v1+json': json, 'text/html': figureHtml(json, id, undefined, fig.toString()), 'text/plain': fig.toString() };
}

/** Positions sorted by ascending score, ties by position (the library's ranking order). */
function ascending(scores: ArrayLike<number>): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i])) idx.push(i);
  return idx.sort((a, b) => scores[a] - scores[b] || a - b);
}

function attr(value: unknown): string {
  return escapeXml(typeof value === 'string' ? value : JSON.stringify(value));
}

/** tslab prints a cell's last value after `inspect`; drop that one echoed line (the panel already showed). */
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
 * The live panel; see {@link cSliderPanel}.
 */
export class CSliderPanel {
  /** Distinguishes this panel's outputs (display ids, the fallback's `data-panel`). */
  readonly id: string;
  /** Whether the controls are live widgets (comm-enabled kernel). */
  readonly live: boolean;
  /** The widgets, when live. */
  readonly widgets: { C: FloatLogSlider; classId: Dropdown<number>; k: IntSlider; status: HTML; messages: Output; root: VBox } | null = null;
  /** What the panel currently shows (null before the first drawing). */
  view: CSliderPanelView | null = null;
  /** How many times `refit` ran. */
  refits = 0;

  private readonly host: KernelHost | undefined;
  private readonly samples = new Map<number, ClassSamples>();
  private wanted: Wanted;
  private timer: NodeJS.Timeout | null = null;
  private previewTimer: NodeJS.Timeout | null = null;
  private lastHistogram: Figure | null = null;
  private idleWaiters: Array<() => void> = [];
  private previousRank = new Map<number, Map<number, number>>();
  private displayed = false;
  private removeInterrupt: (() => void) | null = null;
  private readonly range: [number, number];
  private readonly debounceMs: number;
  private readonly classIds: number[];

  constructor(
    private readonly dirs: FailureDirections,
    private readonly input: SplitInput,
    private readonly opts: CSliderPanelOptions = {},
  ) {
    const caller = 'cSliderPanel';
    if (!dirs || typeof dirs.refit !== 'function') throw new TypeError(`${caller}: expected a fitted FailureDirections as the first argument`);
    if (!input || !input.latents || !input.labels) throw new TypeError(`${caller}: expected a split input {latents, labels, preds, ids, ...} (see splitInput) as the second argument`);
    const n = input.labels.length;
    if (input.latents.rows !== n) throw new RangeError(`${caller}: the input has ${n} labels but ${input.latents.rows} latent rows`);
    const svms = dirs.svms_;
    if (!svms) throw new Error(`${caller}: the FailureDirections is not fitted (call fit first)`);
    this.classIds = svms.map((s, c) => (s ? c : -1)).filter((c) => c >= 0 && Array.from(input.labels).includes(c));
    if (this.classIds.length === 0) throw new RangeError(`${caller}: no class has both an SVM and samples in the input`);
    const classId = opts.classId ?? this.classIds[0];
    if (!this.classIds.includes(classId)) {
      const why = !Number.isInteger(classId) || classId < 0 || classId >= svms.length ? 'is not a class id' : !svms[classId] ? 'has no SVM (see its status)' : 'has no samples in the input';
      throw new RangeError(`${caller}: class ${classId} ${why}; classes with a direction here: ${this.classIds.join(', ')}`);
    }
    const range = opts.range ?? [1e-6, 1e2];
    if (!(range[0] > 0 && range[1] > range[0] && Number.isFinite(range[1]))) throw new RangeError(`${caller}: range must be [lo, hi] with 0 < lo < hi, got [${range}]`);
    this.range = range;
    const k = opts.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > 50) throw new RangeError(`${caller}: k must be an integer in 1..50, got ${k}`);
    const C = opts.C ?? currentC(dirs, classId) ?? cvChosenC(dirs, classId) ?? 1;
    if (!(C > 0) || !Number.isFinite(C)) throw new RangeError(`${caller}: C must be a positive number, got ${C}`);
    this.debounceMs = opts.debounceMs ?? 60;
    if (opts.images) {
      const { images, height, width, channels } = opts.images;
      const total = images.length / (height * width * channels);
      if (total !== n) throw new RangeError(`${caller}: images has ${total} images but the input has ${n} rows (pass the split the input was built from)`);
    }
    this.wanted = { classId, C: Math.min(range[1], Math.max(range[0], C)), k };
    this.host = opts.live === false ? undefined : kernelHost();
    this.live = !!this.host;
    // Deterministic in headless runs (same saved outputs on every run), unique per kernel when live.
    this.id = `panel-${++panelCounter}` + (this.host?.widgetFrontend ? `-${crypto.randomBytes(4).toString('hex')}` : '');
    if (this.host) this.widgets = this.buildWidgets();
  }

  private buildWidgets(): NonNullable<CSliderPanel['widgets']> {
    const names = this.dirs.classNames_ ?? [];
    const { classId, C, k } = this.wanted;
    const sliderC = new FloatLogSlider({
      value: C,
      min: Math.log10(this.range[0]),
      max: Math.log10(this.range[1]),
      step: 0.01,
      description: 'C',
      layout: { width: '420px' },
    });
    const dropdown = new Dropdown<number>({
      options: this.classIds.map((c) => [`${c}: ${names[c] ?? c}`, c] as const),
      value: classId,
      description: 'class',
      layout: { width: '240px' },
    });
    const sliderK = new IntSlider({ value: k, min: 1, max: 50, description: 'K', layout: { width: '260px' } });
    const title = this.opts.title ?? 'Failure direction vs regularisation: refit live';
    // The style rule hides this panel's precomputed fallback while the live panel is on the page.
    const header = new HTML({
      value: `<style>.fd-c-slider-fallback[data-panel="${this.id}"]{display:none}</style><b>${escapeXml(title)}</b>`,
    });
    const status = new HTML({ value: '<span style="color:#666">waiting for the first fit…</span>', classes: ['fd-c-slider-status'] });
    const messages = new Output();
    const root = new VBox([header, new HBox([sliderC, dropdown, sliderK]), status, messages], { classes: ['fd-c-slider-panel'] });
    for (const w of [sliderC, dropdown, sliderK]) w.errorOutput = messages;
    sliderC.observe(({ new: c }) => this.request({ C: c as number }), 'value');
    dropdown.observe(({ new: c }) => {
      // Each class keeps its own C: show the new class at the C it has now.
      const classC = currentC(this.dirs, c as number) ?? this.wanted.C;
      this.request({ classId: c as number, C: classC });
      sliderC.value = Math.min(this.range[1], Math.max(this.range[0], classC));
    }, 'value');
    sliderK.observe(({ new: v }) => this.request({ k: v as number }), 'value');
    this.removeInterrupt = this.host!.comms.onInterrupt(() => this.cancel('interrupted: the pending refit was dropped'));
    return { C: sliderC, classId: dropdown, k: sliderK, status, messages, root };
  }

  /** The settings the panel is heading to (shown once the pending refit ran). */
  get settings(): Readonly<Wanted> {
    return { ...this.wanted };
  }

  private request(change: Partial<Wanted>): void {
    this.wanted = { ...this.wanted, ...change };
    if (!this.displayed) return;
    this.cancelPreview();
    if (this.timer) return; // coalesced: the pending redraw will use the latest wanted state
    if (this.widgets) this.widgets.status.value = `<span style="color:#666">refitting at C = ${formatNumber(this.wanted.C, 3)}…</span>`;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.redraw(true, false);
      this.previewTimer = setTimeout(() => {
        this.previewTimer = null;
        if (this.lastHistogram) this.emitSafely(() => this.emit(this.lastHistogram!.toMimeBundle(), 'hist', true));
      }, PREVIEW_DELAY_MS);
    }, this.debounceMs);
  }

  private cancelPreview(): void {
    if (this.previewTimer) clearTimeout(this.previewTimer);
    this.previewTimer = null;
  }

  /** Redraws now if a change is pending (changes made from code must show before the cell ends). */
  private flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.redraw(true, true);
  }

  private emitSafely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.widgets?.messages.showError(e, 'drawing the histogram preview');
    }
  }

  private cancel(reason: string): void {
    this.cancelPreview();
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.widgets) this.widgets.status.value = `<span style="color:#a60">${escapeXml(reason)}</span>`;
    this.settle();
  }

  private settle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once no refit is pending (e.g. after `setC` or a slider move). */
  whenIdle(): Promise<void> {
    return this.timer ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  /** Moves the panel to C (any value in the range) and refits. */
  setC(C: number): this {
    if (!(C > 0) || !Number.isFinite(C)) throw new RangeError(`CSliderPanel.setC: C must be a positive number, got ${C}`);
    const c = Math.min(this.range[1], Math.max(this.range[0], C));
    if (this.widgets) {
      this.widgets.C.value = c;
      this.flush();
    } else this.requestStatic({ C: c });
    return this;
  }

  /** Shows another class (at its own current C). */
  setClass(classId: number): this {
    if (!this.classIds.includes(classId)) throw new RangeError(`CSliderPanel.setClass: class ${classId} has no direction here (classes: ${this.classIds.join(', ')})`);
    if (this.widgets) {
      this.widgets.classId.value = classId;
      this.flush();
    } else this.requestStatic({ classId, C: currentC(this.dirs, classId) ?? this.wanted.C });
    return this;
  }

  /** Shows the K hardest. */
  setK(k: number): this {
    if (!Number.isInteger(k) || k < 1 || k > 50) throw new RangeError(`CSliderPanel.setK: k must be an integer in 1..50, got ${k}`);
    if (this.widgets) {
      this.widgets.k.value = k;
      this.flush();
    } else this.requestStatic({ k });
    return this;
  }

  private requestStatic(change: Partial<Wanted>): void {
    this.wanted = { ...this.wanted, ...change };
    if (this.displayed) this.redraw(true, true);
  }

  private samplesOf(classId: number): ClassSamples {
    let s = this.samples.get(classId);
    if (!s) {
      s = classSamples(this.dirs, classId, this.input);
      this.samples.set(classId, s);
    }
    return s;
  }

  private emit(bundle: MimeBundle, name: string, update: boolean): void {
    const displayId = `fd-c-slider-${this.id}-${name}`;
    if (this.host) this.host.publish(update ? 'update_display_data' : 'display_data', { data: bundle, metadata: {}, transient: { display_id: displayId } });
    else publish(bundle, { displayId, update });
  }

  /**
   * Refits at the wanted state and redraws the three outputs (updates in place when `update`), the
   * histogram with its static preview when `preview`.
   */
  private redraw(update: boolean, preview: boolean): void {
    try {
      this.draw(update, preview);
      if (this.widgets && this.widgets.messages.outputs.length) this.widgets.messages.clear();
    } catch (e) {
      if (this.widgets) {
        this.widgets.status.value = '<span style="color:#b00">the refit failed: see below</span>';
        this.widgets.messages.showError(e, `refit of class ${this.wanted.classId} at C = ${this.wanted.C}`);
      } else throw e;
    } finally {
      this.settle();
    }
  }

  private draw(update: boolean, preview: boolean): void {
    const started = performance.now();
    const { classId, C, k } = this.wanted;
    const samples = this.samplesOf(classId);
    if (currentC(this.dirs, classId) !== C) {
      this.dirs.refit(classId, C);
      this.refits++;
    }
    const svm = this.dirs.svms_![classId]!;
    const scores = svm.decisionFunction(samples.latents);
    const order = ascending(scores);
    const top = order.slice(0, Math.min(k, order.length));
    const names = this.dirs.classNames_ ?? [];
    const className = String(names[classId] ?? classId);
    const nWrong = samples.correct.reduce((a, c) => a + (c ? 0 : 1), 0);
    const topWrong = top.filter((i) => !samples.correct[i]).length;
    const seq = (this.view?.seq ?? 0) + 1;
    const cText = formatC(C);
    const data = `data-panel="${this.id}" data-seq="${seq}" data-class="${classId}" data-c="${attr(String(C))}" data-k="${top.length}" data-ids="${attr(top.map((i) => samples.ids[i]))}"`;

    const hist = scoreHistogram(
      { score: scores, correct: samples.correct, ...(samples.groups ? { group: samples.groups } : {}) },
      { title: `Class '${className}' at C = ${cText}: ${samples.rows.length} samples, ${nWrong} wrong`, width: 760, height: 320 },
    );
    const prevRank = this.previousRank.get(classId);
    const rankNow = new Map<number, number>();
    order.forEach((i, r) => rankNow.set(i, r));
    const cols: Record<string, unknown[]> = {
      rank: top.map((_, r) => r + 1),
      id: top.map((i) => samples.ids[i]),
      score: top.map((i) => scores[i]),
      model: top.map((i) => (samples.correct[i] ? 'correct' : 'wrong')),
    };
    if (samples.preds) cols.predicted = top.map((i) => samples.preds![i]);
    if (samples.groups) cols.group = top.map((i) => samples.groups![i]);
    if (prevRank && this.view && this.view.classId === classId) cols['rank before'] = top.map((i) => (prevRank.has(i) ? prevRank.get(i)! + 1 : ''));
    const table = aq.table(cols as never);
    const tableTitle = `<div style="font-weight:bold;margin:4px 0">The ${top.length} hardest of class '${escapeXml(className)}' at C = ${escapeXml(cText)} (${topWrong} wrong)</div>`;
    const tableOut: MimeBundle = {
      'text/html': `<div class="fd-c-slider-table" ${data}>${tableTitle}${tableHtml(table, { limit: top.length })}</div>`,
      'text/plain': `${top.length} hardest of class ${className} at C = ${cText}: ${top.map((i) => samples.ids[i]).join(', ')}`,
    };

    let stripOut: MimeBundle | null = null;
    if (this.opts.images) {
      const strip = imageStrip(
        this.opts.images,
        top.map((i) => samples.rows[i]),
        { labels: top.map((i, r) => `#${r + 1} ${formatNumber(scores[i], 3)}\n${samples.correct[i] ? 'right' : 'wrong'}`), title: `Class '${className}', C = ${cText}: the ${top.length} hardest` },
      );
      stripOut = {
        'text/html': `<div class="fd-c-slider-strip" ${data}><img alt="the ${top.length} hardest images" src="${strip.toDataUrl()}" style="max-width:100%"/></div>`,
        'image/png': strip.png.toString('base64'),
        'text/plain': strip.toString(),
      };
    }

    this.lastHistogram = hist;
    this.emit(preview ? hist.toMimeBundle() : liveFigureBundle(hist), 'hist', update);
    this.emit(tableOut, 'table', update);
    if (stripOut) this.emit(stripOut, 'strip', update);
    this.previousRank.set(classId, rankNow);
    const ms = performance.now() - started;
    this.view = {
      seq,
      classId,
      className,
      C,
      k: top.length,
      ids: top.map((i) => samples.ids[i]),
      scores: top.map((i) => scores[i]),
      rows: top.map((i) => samples.rows[i]),
      ms,
    };
    if (this.widgets) {
      this.widgets.status.value =
        `<span ${data}>C = <b>${escapeXml(cText)}</b> · class '${escapeXml(className)}': ${samples.rows.length} samples, ${nWrong} wrong; ` +
        `${topWrong} of the ${top.length} hardest are wrong · refit and redraw ${ms.toFixed(0)} ms</span>`;
    }
  }

  /** The precomputed static slider over the CV grid, wrapped so the live panel can hide it. */
  private fallbackBundle(): MimeBundle {
    const { classId, k } = this.wanted;
    const samples = this.samplesOf(classId);
    const Cs = this.dirs.options.Cs;
    const scoresPerC = this.dirs.fitPath(classId, Cs).map((svm) => svm.decisionFunction(samples.latents));
    const className = String(this.dirs.classNames_?.[classId] ?? classId);
    const fig = cSliderPlot(
      { Cs, scoresPerC, correct: samples.correct, ids: samples.ids, ...(samples.groups ? { groups: samples.groups } : {}) },
      { topK: k, chosenC: cvChosenC(this.dirs, classId), width: 900, title: `Class '${className}': scores and hardest samples vs C (precomputed)` },
    );
    const html = fig.toMimeBundle()['text/html'] as string;
    const note = this.live
      ? 'Without a running kernel (an exported page, a notebook opened later) this precomputed slider over the cross-validation grid stands in for the live panel above.'
      : 'Live refitting needs the failure-directions kernel (tslab with comms: <code>bash kernel/setup.sh</code>); meanwhile, this slider holds fits precomputed over the cross-validation grid.';
    return {
      'text/html': `<div class="fd-c-slider-fallback" data-panel="${this.id}"><div style="color:#555;font-size:12px;margin:4px 0">${note}</div>${html}</div>`,
      'text/plain': `${fig.toString()} (precomputed over C = ${Cs.map(formatC).join(', ')})`,
    };
  }

  /**
   * Shows the panel: the controls (when live), the histogram, the table, the strip, and the
   * precomputed fallback. Later changes update these outputs in place.
   */
  display(): undefined {
    if (this.displayed) {
      // Shown again (e.g. in another cell): new outputs; updates go to the newest ones.
      this.displayed = false;
    }
    if (this.widgets) this.widgets.root.display();
    this.displayed = true;
    this.redraw(false, true);
    if (this.opts.staticFallback !== false) this.emit(this.fallbackBundle(), 'fallback', false);
    return undefined;
  }

  /** Closes the widgets (their views disappear); the outputs stay. */
  close(): void {
    this.cancel('closed');
    this.removeInterrupt?.();
    const w = this.widgets;
    if (!w) return;
    for (const x of [w.root, w.C, w.classId, w.k, w.status, w.messages]) x.close();
  }

  toString(): string {
    const v = this.view;
    const name = this.dirs.classNames_?.[this.wanted.classId] ?? this.wanted.classId;
    return `CSliderPanel(class '${name}', C = ${formatC(v?.C ?? this.wanted.C)}, K = ${this.wanted.k}${this.live ? ', live' : ', static'})`;
  }

  [util.inspect.custom](depth: number, options: util.InspectOptionsStylized): string {
    const summary = this.toString();
    if (depth === options.depth && (this.live || inNotebook()) && !this.displayed) {
      this.display();
      swallowEcho(summary);
    }
    return summary;
  }
}

/**
 * A live panel to tune one class's regularisation C: a log-scale C slider over any value in
 * `range` (default [1e-6, 1e2]), a class dropdown and K. Every change refits that class with
 * `dirs.refit(classId, C)` (warm-started, milliseconds) and redraws in place the score histogram of
 * the class's samples in `input`, the table of its K hardest samples (lowest decision values) and
 * their images. Changes are coalesced so dragging never queues stale fits. Note that the refits change
 * `dirs` (as `refit` does): its `cv_` / `classSummary_` shows the C the panel left.
 *
 * Live in the failure-directions kernel (tslab with comms; `kernel/setup.sh` registers it). Elsewhere
 * (plain tslab) it shows the same outputs statically, updated by `setC` / `setClass` / `setK` from
 * later cells. Either way it also outputs `cSliderPlot`'s precomputed slider over the CV grid, which is
 * what an exported page or a notebook opened without a kernel shows (hidden while the live panel is
 * on the page).
 *
 * Shown when it is a cell's last value, or with `panel.display()`.
 *
 * @example
 * ```ts
 * const testInput = fd.splitInput(test, zTest, predTest);
 * fd.cSliderPanel(dirs, testInput, { classId: 0, images: test, k: 10 })
 * ```
 */
export function cSliderPanel(dirs: FailureDirections, input: SplitInput, opts: CSliderPanelOptions = {}): CSliderPanel {
  return new CSliderPanel(dirs, input, opts);
}
