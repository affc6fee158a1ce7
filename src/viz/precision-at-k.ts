import { precisionAtKCurve } from '../metrics/precision-at-k';
import { Figure } from './figure';
import { axis, baseLayout, checkLength, checkPositiveInt, round } from './plot-helpers';

type Scores = Float64Array | Float32Array | ArrayLike<number>;

/** Rankings to compare on one target set (one entry per sample, all aligned). */
export interface PrecisionAtKData {
  /** SVM decision values (lowest = most suspicious). */
  svm: Scores;
  /** Model confidence (lowest = most suspicious). */
  confidence?: Scores;
  /** Seeded random scores, drawn with `Random` for a reproducible random baseline. */
  random?: Scores;
  /** The samples to find: errors (`correct == false`) or a ground-truth group. */
  target: Uint8Array | ArrayLike<boolean> | ArrayLike<number>;
}

/** Options for {@link precisionAtK}. */
export interface PrecisionAtKOptions {
  /** Largest K (default 100; clipped to the number of scored samples). */
  maxK?: number;
  /** What the target is, for the labels (default 'errors'). */
  targetName?: string;
  /** Dotted line at the target's base rate, the expected precision of a random ranking (default true). */
  baseRate?: boolean;
  title?: string;
  width?: number;
  height?: number;
}

const METHOD_STYLE: Record<string, { name: string; color: string; dash: string }> = {
  svm: { name: 'SVM score', color: '#d62728', dash: 'solid' },
  confidence: { name: 'confidence', color: '#1f77b4', dash: 'dash' },
  random: { name: 'random', color: '#7f7f7f', dash: 'dot' },
};

/**
 * Precision@K curves: the fraction of the target set (errors, or a group) among the K
 * lowest-scored samples, K = 1..maxK, for the SVM ranking and the confidence / random baselines.
 * Ranking and tie conventions are those of {@link precisionAtKCurve} (ascending, ties shared,
 * `NaN` scores excluded).
 *
 * @example
 * ```ts
 * const t = fd.scores(splits.test).filter(aq.escape((d) => d.label === 3));
 * await show(precisionAtK({
 *   svm: t.array('score'), confidence: t.array('confidence'),
 *   target: Array.from(t.array('correct'), (c) => !c),
 * }, { maxK: 50 }));
 * ```
 */
export function precisionAtK(data: PrecisionAtKData, opts: PrecisionAtKOptions = {}): Figure {
  const caller = 'precisionAtK';
  const n = data.target?.length;
  checkLength(data.target, n, caller, 'target');
  checkLength(data.svm, n, caller, 'svm');
  const maxK = checkPositiveInt(opts.maxK ?? 100, caller, 'maxK');
  const targetName = opts.targetName ?? 'errors';
  const traces: Array<Record<string, unknown>> = [];
  let largestK = 0;
  let rate = NaN;
  for (const method of ['svm', 'confidence', 'random'] as const) {
    const s = data[method];
    if (s === undefined) continue;
    checkLength(s, n, caller, method);
    const c = precisionAtKCurve(s, data.target, maxK);
    if (method === 'svm') rate = c.n === 0 ? NaN : c.nPositive / c.n;
    largestK = Math.max(largestK, c.k.length);
    const style = METHOD_STYLE[method];
    traces.push({
      type: 'scatter',
      mode: 'lines',
      name: style.name,
      x: Array.from(c.k),
      y: Array.from(c.precision, (v) => round(v, 5)),
      line: { color: style.color, dash: style.dash, width: method === 'svm' ? 3 : 2 },
      hovertemplate: `${style.name}<br>K = %{x}<br>precision@K %{y:.3f}<extra></extra>`,
    });
  }
  const layout = baseLayout(opts.title ?? `Precision@K: ${targetName} among the K lowest-scored`, opts.width ?? 700, opts.height ?? 440);
  layout.xaxis = axis('K (lowest-scored samples)', { range: [1, Math.max(largestK, 2)] });
  layout.yaxis = axis(`fraction of ${targetName}`, { range: [0, 1.02] });
  if ((opts.baseRate ?? true) && Number.isFinite(rate)) {
    layout.shapes = [{ type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: rate, y1: rate, line: { color: '#888', width: 1, dash: 'dot' } }];
    layout.annotations = [
      { xref: 'paper', yref: 'y', x: 1, y: rate, xanchor: 'right', yanchor: 'bottom', showarrow: false, text: `base rate ${(100 * rate).toFixed(1)}%`, font: { size: 10, color: '#666' } },
    ];
  }
  return new Figure({ data: traces, layout });
}
