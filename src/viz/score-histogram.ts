import type { ScoresTable } from '../directions/scores-table';
import { ofClass, type ClassRef } from '../directions/table-views';
import { Figure } from './figure';
import { axis, baseLayout, plotTitle, bins, checkLength, checkPositiveInt, CORRECT_COLOR, finiteRange, PALETTE, sortedDistinct, truthy, verticalLine, WRONG_COLOR, round } from './plot-helpers';
import { escapePlotlyText } from '../util/escape';

/** Scores to histogram: one entry per sample (internal: read from a table's columns). */
interface ScoreHistogramData {
  /** SVM decision value per sample; `NaN` scores are left out. */
  score: Float64Array | Float32Array | ArrayLike<number>;
  correct: Uint8Array | ArrayLike<boolean> | ArrayLike<number>;
  /** Ground-truth group per sample: splits each histogram further by group. */
  group?: ArrayLike<string | number | null>;
  /** Class of each sample: one panel per distinct class. */
  className?: ArrayLike<string | number>;
  /** Class id of each sample: orders the panels by id (otherwise by sorted class name). */
  label?: ArrayLike<number>;
}

/** Options for {@link scoreHistogram}. */
export interface ScoreHistogramOptions {
  /** The column on the x axis (default `'score'`). */
  x?: string;
  /**
   * What splits each panel into series: `'correct'` (default: correct vs wrong), or any column (e.g.
   * `'group'`): one colour per value, each split again into correct and wrong (hatched).
   */
  color?: string;
  /** One panel per value of this column (default `'className'`, ordered by class id); `null` for one panel. */
  facet?: string | null;
  /** Only this class (id or name). */
  classId?: ClassRef;
  /** Bins per panel (default 30); all traces of a panel share the same bins. */
  nbins?: number;
  /**
   * `true` (default): each trace is normalised to fractions of its own samples, so a small set of
   * errors stays visible next to many correct samples. `false`: raw counts.
   */
  normalize?: boolean;
  /** Panels per row when several classes are given (default 3). */
  columns?: number;
  /** Dashed line at score 0, the decision boundary (default true). */
  boundary?: boolean;
  title?: string;
  /** Figure width (default 320 per panel column, at least 640). */
  width?: number;
  /** Figure height (default 280 per panel row + margins). */
  height?: number;
}

/**
 * Histograms of SVM scores, correct vs wrong overlaid (and split by any column with `color`, e.g.
 * the ground-truth group: colour = value, hatched = wrong), one panel per class. A good failure
 * direction pushes the wrong (or minority-group) samples to the left of 0. Takes a scores table
 * (`dirs.scores(input)`, or any view of it) and column names, in the Observable Plot style.
 *
 * @example
 * ```ts
 * fd.scoreHistogram(scores, { color: 'group', title: 'Test scores per class, by group' });
 * fd.scoreHistogram(scores, { classId: 0, facet: null });
 * ```
 */
export function scoreHistogram(table: ScoresTable, opts: ScoreHistogramOptions = {}): Figure {
  const caller = 'scoreHistogram';
  const t = opts.classId === undefined ? table : ofClass(table, opts.classId);
  const x = opts.x ?? 'score';
  const color = opts.color ?? 'correct';
  const facet = opts.facet === undefined ? 'className' : opts.facet;
  const need = (name: string) => {
    if (t == null || typeof t.columnNames !== 'function') throw new TypeError(`${caller}: expected a scores table, got ${t}`);
    if (!t.columnNames().includes(name)) throw new Error(`${caller}: the table has no '${name}' column (columns: ${t.columnNames().join(', ')})`);
    return t.array(name) as unknown as ArrayLike<never>;
  };
  const correct = need('correct') as ArrayLike<unknown>;
  for (let i = 0; i < correct.length; i++) {
    if (correct[i] == null) throw new Error(`${caller}: column 'correct' is null at row ${i} (scores made without the model's predictions)`);
  }
  const data: ScoreHistogramData = {
    score: Float64Array.from(need(x) as ArrayLike<number>, (v) => (v == null ? NaN : Number(v))),
    correct: correct as ArrayLike<boolean>,
    ...(color !== 'correct' ? { group: need(color) } : {}),
    ...(facet ? { className: need(facet) } : {}),
    ...(facet === 'className' && t.columnNames().includes('label') ? { label: need('label') } : {}),
  };
  const only = opts.classId === undefined ? undefined : (t.array('className') as ArrayLike<unknown>)[0];
  const title = opts.title ?? (only !== undefined ? `Class '${String(only)}': SVM scores, correct vs wrong` : undefined);
  return drawScoreHistogram(data, { ...opts, title, colorName: color, xName: x === 'score' ? 'SVM score' : x });
}

function drawScoreHistogram(data: ScoreHistogramData, opts: ScoreHistogramOptions & { colorName: string; xName: string }): Figure {
  const caller = 'scoreHistogram';
  const n = data.score?.length;
  checkLength(data.score, n, caller, 'score');
  checkLength(data.correct, n, caller, 'correct');
  if (data.group) checkLength(data.group, n, caller, 'group');
  if (data.className) checkLength(data.className, n, caller, 'className');
  if (data.label) checkLength(data.label, n, caller, 'label');
  const nbins = checkPositiveInt(opts.nbins ?? 30, caller, 'nbins');
  const columnsWanted = checkPositiveInt(opts.columns ?? 3, caller, 'columns');
  const normalize = opts.normalize ?? true;

  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(data.score[i])) kept.push(i);
  let panels: Array<string | number> = data.className ? sortedDistinct(kept.map((i) => data.className![i])) : [''];
  if (data.className && data.label) {
    // Order panels by the smallest class id seen with each name.
    const idOf = new Map<string | number, number>();
    for (const i of kept) {
      const name = data.className[i];
      const id = data.label[i];
      if (!idOf.has(name) || id < idOf.get(name)!) idOf.set(name, id);
    }
    panels = [...panels].sort((a, b) => idOf.get(a)! - idOf.get(b)!);
  }
  if (panels.length === 0) panels.push('');
  const groups = data.group
    ? [...sortedDistinct(kept.map((i) => data.group![i]).filter((g): g is string | number => g != null)).map(String), ...(kept.some((i) => data.group![i] == null) ? ['unknown'] : [])]
    : [];
  const seriesOf = (i: number): string => {
    const c = truthy(data.correct[i]) ? 'correct' : 'wrong';
    if (!data.group) return c;
    const g = data.group[i] == null ? 'unknown' : String(data.group[i]);
    return `${g} · ${c}`;
  };
  const series = data.group ? groups.flatMap((g) => [`${g} · correct`, `${g} · wrong`]) : ['correct', 'wrong'];

  const cols = Math.min(columnsWanted, panels.length);
  const rows = Math.ceil(panels.length / cols);
  const traces: Array<Record<string, unknown>> = [];
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  const shown = new Set<string>();
  const layout = baseLayout(plotTitle(opts.title, 'SVM scores: correct vs wrong'), opts.width ?? Math.max(640, 320 * cols), opts.height ?? 280 * rows + 110);

  panels.forEach((panel, p) => {
    const suffix = p === 0 ? '' : String(p + 1);
    const rowsOfPanel = kept.filter((i) => !data.className || data.className[i] === panel);
    const scores = rowsOfPanel.map((i) => data.score[i]);
    const [lo, hi] = finiteRange(scores);
    const xbins = bins(lo, hi, nbins, opts.boundary ?? true);
    series.forEach((name, s) => {
      const idx = rowsOfPanel.filter((i) => seriesOf(i) === name);
      if (idx.length === 0) return;
      const wrong = name.endsWith('wrong');
      const color = data.group ? PALETTE[Math.floor(s / 2) % PALETTE.length] : wrong ? WRONG_COLOR : CORRECT_COLOR;
      traces.push({
        type: 'histogram',
        name: escapePlotlyText(name),
        legendgroup: escapePlotlyText(name),
        showlegend: !shown.has(name),
        x: idx.map((i) => round(data.score[i])),
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        autobinx: false,
        xbins,
        histnorm: normalize ? 'probability' : '',
        opacity: 0.6,
        marker: { color, line: { color, width: 0.5 }, ...(data.group && wrong ? { pattern: { shape: '/', fillmode: 'overlay', fgcolor: '#222', solidity: 0.35 } } : {}) },
        hovertemplate: `${escapePlotlyText(name)}${panel !== '' ? ` (${escapePlotlyText(String(panel))})` : ''}<br>score %{x}<br>${normalize ? 'fraction %{y:.3f}' : 'count %{y}'}<extra></extra>`,
      });
      shown.add(name);
    });
    const r = Math.floor(p / cols);
    const c = p % cols;
    layout[`xaxis${suffix}`] = axis(r === rows - 1 || p + cols >= panels.length ? escapePlotlyText(opts.xName) : '', { anchor: `y${suffix}` });
    layout[`yaxis${suffix}`] = axis(c === 0 ? (normalize ? 'fraction of samples' : 'count') : '', { anchor: `x${suffix}`, rangemode: 'tozero' });
    if (opts.boundary ?? true) shapes.push(verticalLine(0, `x${suffix}`, `y${suffix}`));
    if (panels.length > 1 || panel !== '') {
      annotations.push({
        text: `<b>${escapePlotlyText(String(panel))}</b> (n = ${rowsOfPanel.length})`,
        xref: `x${suffix} domain`, yref: `y${suffix} domain`, x: 0.5, y: 1.02, xanchor: 'center', yanchor: 'bottom', showarrow: false,
      });
    }
  });
  layout.barmode = 'overlay';
  layout.grid = { rows, columns: cols, pattern: 'independent', roworder: 'top to bottom', ygap: 0.35, xgap: 0.12 };
  layout.shapes = shapes;
  layout.annotations = annotations;
  layout.legend = { title: { text: data.group ? `${escapePlotlyText(opts.colorName)} · prediction` : 'prediction' } };
  // A long legend does not fit beside the panels in a static PNG (no scrolling there): put it below,
  // in rows, and make room for it.
  const entries = shown.size;
  if (entries > 8) {
    const perRow = Math.max(1, Math.floor((layout.width as number) / 220));
    const legendRows = Math.ceil(entries / perRow);
    layout.legend = { ...(layout.legend as object), orientation: 'h', x: 0, xanchor: 'left', y: -0.12, yanchor: 'top' };
    if (opts.height === undefined) layout.height = (layout.height as number) + 22 * legendRows + 30;
  }
  return new Figure({ data: traces, layout });
}
