import type { ScoresTable } from '../directions/scores-table';
import { ofClass, type ClassRef } from '../directions/table-views';
import { precisionAtKCurve } from '../metrics/precision-at-k';
import { escapePlotlyText } from '../util/escape';
import { Random } from '../util/random';
import { Figure } from './figure';
import { axis, baseLayout, plotTitle, checkPositiveInt, PALETTE, round } from './plot-helpers';

/** Which rows count as found: the model's errors, rows of some groups, or rows where a column is true. */
export type PrecisionTarget = 'errors' | { group: string | number | Array<string | number> } | { column: string };

/** Options for {@link precisionAtKPlot}. */
export interface PrecisionAtKPlotOptions {
  /** Only this class (id or name); default all rows of the table ranked together. */
  classId?: ClassRef;
  /** The rows to find (default `'errors'`, i.e. `correct` is false). */
  target?: PrecisionTarget;
  /**
   * Rankings to compare, lowest value = most suspicious: column names, plus `'random'` (a seeded
   * random order). Default `['score', 'confidence', 'random']` (confidence when the table has it).
   */
  rankings?: string[];
  /** Seed of the random ranking (default 0). */
  seed?: number;
  /** Largest K (default 100; clipped to the number of ranked rows). */
  maxK?: number;
  /** What the target is, for the labels (default from `target`). */
  targetName?: string;
  /** Dotted line at the target's base rate, the expected precision of a random ranking (default true). */
  baseRate?: boolean;
  title?: string;
  width?: number;
  height?: number;
}

const STYLE: Record<string, { name: string; color: string; dash: string }> = {
  score: { name: 'SVM score', color: '#d62728', dash: 'solid' },
  confidence: { name: 'confidence', color: '#1f77b4', dash: 'dash' },
  random: { name: 'random', color: '#7f7f7f', dash: 'dot' },
};

/**
 * Precision@K curves: the fraction of the target rows (errors, a ground-truth group, or any boolean
 * column) among the K lowest-ranked rows, K = 1..maxK, for the SVM score and baselines (the model's
 * confidence, a seeded random order, or any other column). Ranking and tie conventions are those of
 * `precisionAtKCurve` (ascending, ties shared, NaN values excluded). Takes a scores table.
 *
 * @example
 * ```ts
 * fd.precisionAtKPlot(scores, { classId: 0, target: { group: 'disagrees' }, maxK: 200 });
 * ```
 */
export function precisionAtKPlot(table: ScoresTable, opts: PrecisionAtKPlotOptions = {}): Figure {
  const caller = 'precisionAtKPlot';
  const t = opts.classId === undefined ? table : ofClass(table, opts.classId);
  if (t == null || typeof t.columnNames !== 'function') throw new TypeError(`${caller}: expected a scores table, got ${t}`);
  const names = t.columnNames();
  const col = (name: string): ArrayLike<unknown> => {
    if (!names.includes(name)) throw new Error(`${caller}: the table has no '${name}' column (columns: ${names.join(', ')})`);
    return t.array(name) as ArrayLike<unknown>;
  };
  const n = t.numRows();
  const target = opts.target ?? 'errors';
  let isTarget: Uint8Array;
  let targetName: string;
  if (target === 'errors') {
    const c = col('correct');
    isTarget = Uint8Array.from({ length: n }, (_, i) => {
      if (c[i] == null) throw new Error(`${caller}: column 'correct' is null at row ${i} (scores made without predictions): choose another target`);
      return c[i] ? 0 : 1;
    });
    targetName = 'errors';
  } else if (target && typeof target === 'object' && 'group' in target) {
    const wanted = new Set(Array.isArray(target.group) ? target.group : [target.group]);
    const g = col('group');
    isTarget = Uint8Array.from({ length: n }, (_, i) => (wanted.has(g[i] as string | number) ? 1 : 0));
    const shown = [...wanted].slice(0, 3).map((v) => `'${v}'`).join(' / ');
    targetName = `group ${shown}${wanted.size > 3 ? ` (+${wanted.size - 3} more)` : ''}`;
  } else if (target && typeof target === 'object' && 'column' in target) {
    const v = col(target.column);
    isTarget = Uint8Array.from({ length: n }, (_, i) => (v[i] ? 1 : 0));
    targetName = target.column;
  } else {
    throw new TypeError(`${caller}: target must be 'errors', { group } or { column }, got ${JSON.stringify(target)}`);
  }
  targetName = opts.targetName ?? targetName;
  const rankings = opts.rankings ?? ['score', ...(names.includes('confidence') && hasNumber(t.array('confidence') as ArrayLike<unknown>) ? ['confidence'] : []), 'random'];
  const maxK = checkPositiveInt(opts.maxK ?? 100, caller, 'maxK');
  const traces: Array<Record<string, unknown>> = [];
  let largestK = 0;
  let rate = NaN;
  rankings.forEach((r, k) => {
    let s: Float64Array;
    if (r === 'random') {
      const rng = new Random(opts.seed ?? 0);
      s = Float64Array.from({ length: n }, () => rng.next());
    } else {
      s = Float64Array.from(col(r), (v) => (v == null ? NaN : Number(v)));
    }
    const c = precisionAtKCurve(s, isTarget, maxK);
    if (k === 0 || !Number.isFinite(rate)) rate = c.n === 0 ? NaN : c.nPositive / c.n;
    largestK = Math.max(largestK, c.k.length);
    const style = STYLE[r] ?? { name: r, color: PALETTE[(k + 4) % PALETTE.length], dash: 'dashdot' };
    traces.push({
      type: 'scatter',
      mode: 'lines',
      name: escapePlotlyText(style.name),
      x: Array.from(c.k),
      y: Array.from(c.precision, (v) => round(v, 5)),
      line: { color: style.color, dash: style.dash, width: r === 'score' ? 3 : 2 },
      hovertemplate: `${escapePlotlyText(style.name)}<br>K = %{x}<br>precision@K %{y:.3f}<extra></extra>`,
    });
  });
  const what = escapePlotlyText(targetName);
  const cls = opts.classId !== undefined && t.numRows() > 0 && names.includes('className') ? `Class '${escapePlotlyText(String(t.get('className', 0)))}': ` : '';
  const layout = baseLayout(plotTitle(opts.title, `${cls}${what} among the K lowest-ranked`), opts.width ?? 700, opts.height ?? 440);
  layout.xaxis = axis('K (lowest-ranked rows)', { range: [1, Math.max(largestK, 2)] });
  layout.yaxis = axis(`fraction of ${what}`, { range: [0, 1.02] });
  if ((opts.baseRate ?? true) && Number.isFinite(rate)) {
    layout.shapes = [{ type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: rate, y1: rate, line: { color: '#888', width: 1, dash: 'dot' } }];
    layout.annotations = [
      { xref: 'paper', yref: 'y', x: 1, y: rate, xanchor: 'right', yanchor: 'bottom', showarrow: false, text: `base rate ${(100 * rate).toFixed(1)}%`, font: { size: 10, color: '#666' } },
    ];
  }
  return new Figure({ data: traces, layout });
}

function hasNumber(a: ArrayLike<unknown>): boolean {
  for (let i = 0; i < a.length; i++) if (typeof a[i] === 'number' && !Number.isNaN(a[i])) return true;
  return false;
}
