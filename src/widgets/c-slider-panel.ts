/**
 * The live regularisation panel: a C slider (log scale, any value in a range such as [1e-6, 1e2]), a
 * class dropdown and K. Each change refits that class's SVM with `refit` (warm-started) and redraws,
 * in place, the score histogram, the table of the K hardest samples and their image strip.
 *
 * The three figures are ordinary cell outputs updated with `update_display_data` (so they never pile
 * up, and a saved notebook keeps the last state); the controls are widgets. Changes are coalesced:
 * the first change starts a short timer, later ones only replace the wanted state, and when the timer
 * fires the latest state is fitted, so dragging never queues fits for values already left behind.
 * Changes made from code (`setC`, `setClass`, `setK`) redraw at once, so that a notebook run headless
 * saves the same outputs every time.
 *
 * Without the comm-enabled kernel (plain tslab, an exported HTML page, a notebook opened without a
 * kernel) the panel's static outputs and the precomputed Plotly slider of `cSliderPlot` are what
 * shows; when the live panel renders, a style rule in its header hides that precomputed slider.
 */
import * as crypto from 'node:crypto';
import * as util from 'node:util';
import * as aq from 'arquero';
import type { FailureDirections } from '../directions/failure-directions';
import type { SplitInput } from '../directions/split-input';
import { hardest } from '../directions/table-views';
import { escapeXml } from '../util/escape';
import { formatC, formatNumber } from '../util/format';
import { takeRows } from '../util/matrix';
import { cSliderPlot } from '../viz/c-slider-plot';
import { inNotebook, MimeBundle, publish } from '../viz/display';
import { imageStrip, ImageSource } from '../viz/image-strip';
import { scoreHistogram } from '../viz/score-histogram';
import { tableHtml } from '../viz/table-html';
import { HBox, VBox } from './box';
import { Dropdown } from './dropdown';
import { HTML } from './html';
import { kernelHost, KernelHost } from './kernel-host';
import { Output } from './output';
import { FloatLogSlider, IntSlider } from './slider';

/** Options of {@link cSliderPanel}. */
export interface CSliderPanelOptions {
  /** Class shown first (default: the first class that has a direction and rows in the input). */
  classId?: number;
  /**
   * The split's images, row-aligned with `input` (the `ImageDataset` the input was built from), for
   * the strip of the K hardest. Without it the panel shows no strip.
   */
  images?: ImageSource;
  /** How many hardest samples the table and strip show (default 10; the slider goes to 50). */
  k?: number;
  /** Starting C (default: the class's current C, the one CV chose unless refitted since). */
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

let panelCounter = 0;

/** The C a class's SVM has now (after any refit). */
function currentC(dirs: FailureDirections, classId: number): number | null {
  const c = dirs.classSummary_.get('C', classId);
  return typeof c === 'number' && c > 0 ? c : null;
}

/** The C cross-validation chose for a class. */
function cvChosenC(dirs: FailureDirections, classId: number): number | null {
  const row = dirs.cvResults_.objects().find((r) => (r as { class: number }).class === classId && (r as { chosen: boolean }).chosen) as { C: number } | undefined;
  return row ? row.C : null;
}

/** One class's rows of a split input (what the panel scores on every redraw) and their positions. */
interface ClassInput {
  input: SplitInput;
  rows: Int32Array;
}

function classInput(input: SplitInput, classId: number): ClassInput {
  const list: number[] = [];
  for (let i = 0; i < input.labels.length; i++) if (input.labels[i] === classId) list.push(i);
  const rows = Int32Array.from(list);
  const pick = <T>(a: ArrayLike<T>): T[] => Array.from(rows, (r) => a[r]);
  const sub: SplitInput = {
    latents: takeRows(input.latents, rows),
    labels: Int32Array.from(pick(input.labels)),
    classNames: input.classNames,
    ids: pick(input.ids),
    split: input.split,
  };
  if (input.preds) sub.preds = Int32Array.from(pick(input.preds));
  if (input.confidences) sub.confidences = Float64Array.from(pick(input.confidences));
  if (input.probs) sub.probs = takeRows(input.probs, rows);
  if (input.groups) sub.groups = pick(input.groups);
  return { input: sub, rows };
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
  private readonly classInputs = new Map<number, ClassInput>();
  private wanted: Wanted;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private previousRank = new Map<number, Map<string | number, number>>();
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
    if (!input || !input.latents || !input.labels) throw new TypeError(`${caller}: expected a split input {latents, labels, classNames, ids, preds, ...} (see splitInput) as the second argument`);
    const n = input.labels.length;
    if (input.latents.rows !== n) throw new RangeError(`${caller}: the input has ${n} labels but ${input.latents.rows} latent rows`);
    const svms = dirs.svms_; // throws NotFittedError before fit
    const present = new Set(Array.from(input.labels));
    this.classIds = svms.map((s, c) => (s && present.has(c) ? c : -1)).filter((c) => c >= 0);
    if (this.classIds.length === 0) throw new RangeError(`${caller}: no class has both a direction and rows in the input`);
    const classId = opts.classId ?? this.classIds[0];
    if (!this.classIds.includes(classId)) {
      const why = !Number.isInteger(classId) || classId < 0 || classId >= svms.length ? 'is not a class id' : !svms[classId] ? 'has no direction (see dirs.classSummary_.status)' : 'has no rows in the input';
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
    const names = this.dirs.classNames_;
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
    if (this.timer) return; // coalesced: the pending redraw will use the latest wanted state
    if (this.widgets) this.widgets.status.value = `<span style="color:#666">refitting at C = ${formatNumber(this.wanted.C, 3)}…</span>`;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.redraw(true);
    }, this.debounceMs);
  }

  /** Redraws now if a change is pending (changes made from code must show before the cell ends). */
  private flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.redraw(true);
  }

  private cancel(reason: string): void {
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

  /** Resolves once no refit is pending (e.g. after a slider move). */
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
    if (this.displayed) this.redraw(true);
  }

  private classInputOf(classId: number): ClassInput {
    let c = this.classInputs.get(classId);
    if (!c) {
      c = classInput(this.input, classId);
      this.classInputs.set(classId, c);
    }
    return c;
  }

  private emit(bundle: MimeBundle, name: string, update: boolean): void {
    const displayId = `fd-c-slider-${this.id}-${name}`;
    if (this.host) this.host.publish(update ? 'update_display_data' : 'display_data', { data: bundle, metadata: {}, transient: { display_id: displayId } });
    else publish(bundle, { displayId, update });
  }

  /** Refits at the wanted state and redraws the three outputs (updates in place when `update`). */
  private redraw(update: boolean): void {
    try {
      this.draw(update);
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

  private draw(update: boolean): void {
    const started = performance.now();
    const { classId, C, k } = this.wanted;
    const cls = this.classInputOf(classId);
    if (currentC(this.dirs, classId) !== C) {
      this.dirs.refit(classId, C);
      this.refits++;
    }
    const scores = this.dirs.scores(cls.input);
    const top = hardest(scores, { classId, k });
    const positions = Array.from(top.indices()); // rows of the class input, hardest first
    const ids = top.array('id') as Array<string | number>;
    const topScores = Array.from(top.array('score') as ArrayLike<number>);
    const correct = scores.array('correct') as ArrayLike<boolean | null>;
    const hasGroups = scores.columnNames().includes('group');
    const className = this.dirs.classNames_[classId] ?? String(classId);
    const n = cls.rows.length;
    const nWrong = Array.from(correct).filter((c) => c === false).length;
    const topWrong = positions.filter((p) => correct[p] === false).length;
    const seq = (this.view?.seq ?? 0) + 1;
    const cText = formatC(C);
    const data = `data-panel="${this.id}" data-seq="${seq}" data-class="${classId}" data-c="${attr(String(C))}" data-k="${ids.length}" data-ids="${attr(ids)}"`;

    const hist = scoreHistogram(scores, {
      color: hasGroups ? 'group' : 'correct',
      facet: null,
      title: `Class '${className}' at C = ${cText}: ${n} samples, ${nWrong} wrong`,
      width: 760,
      height: 320,
    });

    const rankNow = new Map<string | number, number>();
    const rankInClass = scores.array('rankInClass') as ArrayLike<number>;
    (scores.array('id') as Array<string | number>).forEach((id, p) => rankNow.set(id, rankInClass[p]));
    const prevRank = this.view?.classId === classId ? this.previousRank.get(classId) : undefined;
    const cols: Record<string, unknown[]> = {
      rank: ids.map((_, r) => r + 1),
      id: ids,
      score: topScores,
      correct: positions.map((p) => correct[p]),
    };
    if (scores.columnNames().includes('predName') && cls.input.preds) cols.predName = Array.from(top.array('predName') as ArrayLike<unknown>);
    if (hasGroups) cols.group = Array.from(top.array('group') as ArrayLike<unknown>);
    if (prevRank) cols['rank before'] = ids.map((id) => (prevRank.has(id) ? prevRank.get(id)! + 1 : ''));
    const tableTitle = `<div style="font-weight:bold;margin:4px 0">The ${ids.length} hardest of class '${escapeXml(className)}' at C = ${escapeXml(cText)} (${topWrong} wrong)</div>`;
    const tableOut: MimeBundle = {
      'text/html': `<div class="fd-c-slider-table" ${data}>${tableTitle}${tableHtml(aq.table(cols as never), { limit: ids.length })}</div>`,
      'text/plain': `${ids.length} hardest of class ${className} at C = ${cText}: ${ids.join(', ')}`,
    };

    let stripOut: MimeBundle | null = null;
    if (this.opts.images) {
      const strip = imageStrip(
        this.opts.images,
        positions.map((p) => cls.rows[p]),
        {
          labels: positions.map((p, r) => `#${r + 1} ${formatNumber(topScores[r], 3)}\n${correct[p] === false ? 'wrong' : correct[p] ? 'right' : ''}`),
          title: `Class '${className}', C = ${cText}: the ${ids.length} hardest`,
        },
      );
      stripOut = {
        'text/html': `<div class="fd-c-slider-strip" ${data}><img alt="the ${ids.length} hardest images" src="${strip.toDataUrl()}" style="max-width:100%"/></div>`,
        'image/png': strip.png.toString('base64'),
        'text/plain': strip.toString(),
      };
    }

    this.emit(hist.toMimeBundle(), 'hist', update);
    this.emit(tableOut, 'table', update);
    if (stripOut) this.emit(stripOut, 'strip', update);
    this.previousRank.set(classId, rankNow);
    const ms = performance.now() - started;
    this.view = { seq, classId, className, C, k: ids.length, ids, scores: topScores, rows: positions.map((p) => cls.rows[p]), ms };
    if (this.widgets) {
      this.widgets.status.value =
        `<span ${data}>C = <b>${escapeXml(cText)}</b> · class '${escapeXml(className)}': ${n} samples, ${nWrong} wrong; ` +
        `${topWrong} of the ${ids.length} hardest are wrong · refit and redraw ${ms.toFixed(0)} ms</span>`;
    }
  }

  /** The precomputed static slider over the CV grid, wrapped so the live panel can hide it. */
  private fallbackBundle(): MimeBundle {
    const { classId, k } = this.wanted;
    const scores = this.dirs.scores(this.classInputOf(classId).input);
    const className = this.dirs.classNames_[classId] ?? String(classId);
    const fig = cSliderPlot(this.dirs, scores, { classId, topK: k, width: 900, title: `Class '${className}': scores and hardest samples vs C (precomputed)` });
    const bundle = fig.toMimeBundle();
    const html = bundle['text/html'] as string;
    const note = this.live
      ? 'Without a running kernel (an exported page, a notebook opened later) this precomputed slider over the cross-validation grid stands in for the live panel above.'
      : 'Live refitting needs the failure-directions kernel (tslab with comms: <code>bash kernel/setup.sh</code>); meanwhile, this slider holds fits precomputed over the cross-validation grid.';
    // The Plotly JSON too: exports add its PNG for viewers that run no JavaScript, and JupyterLab's
    // Plotly renderer draws it (there the style rule cannot hide it; the title says what it is).
    return {
      'application/vnd.plotly.v1+json': bundle['application/vnd.plotly.v1+json'],
      'text/html': `<div class="fd-c-slider-fallback" data-panel="${this.id}"><div style="color:#555;font-size:12px;margin:4px 0">${note}</div>${html}</div>`,
      'text/plain': `${fig.toString()} (precomputed over C = ${this.dirs.options.Cs.map(formatC).join(', ')})`,
    };
  }

  /**
   * Shows the panel: the controls (when live), the histogram, the table, the strip, and the
   * precomputed fallback. Later changes update these outputs in place.
   */
  display(): undefined {
    if (this.widgets) this.widgets.root.display();
    this.displayed = true;
    this.redraw(false);
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
    const name = this.dirs.classNames_[this.wanted.classId] ?? this.wanted.classId;
    return `CSliderPanel(class '${name}', C = ${formatC(this.view?.C ?? this.wanted.C)}, K = ${this.wanted.k}${this.live ? ', live' : ', static'})`;
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
 * the class's rows of `input`, the table of its K hardest (lowest decision values, as `fd.hardest`)
 * and their images. Changes are coalesced so dragging never queues stale fits. The refits change
 * `dirs`, as `refit` does: `classSummary_` shows the C the panel left each class at.
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
 * const panel = fd.cSliderPanel(dirs, testInput, { classId: 0, images: test, k: 10 });
 * panel.setC(0.01);
 * ```
 */
export function cSliderPanel(dirs: FailureDirections, input: SplitInput, opts: CSliderPanelOptions = {}): CSliderPanel {
  return new CSliderPanel(dirs, input, opts);
}
