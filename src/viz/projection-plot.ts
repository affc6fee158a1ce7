import { classSamples } from '../directions/class-samples';
import type { FailureDirections } from '../directions/failure-directions';
import type { ScoresTable } from '../directions/scores-table';
import type { ClassRef } from '../directions/table-views';
import type { Matrix } from '../util/matrix';
import { Figure } from './figure';
import { orthogonalPrincipalAxis, OrthogonalAxisOptions } from './orthogonal-axis';
import { axis, baseLayout, plotTitle, checkLength, CORRECT_COLOR, PALETTE, round, sortedDistinct, truthy, verticalLine, WRONG_COLOR } from './plot-helpers';
import { escapePlotlyText } from '../util/escape';

/** Samples of one class to place along its failure direction (internal: built by classSamples). */
export interface ProjectionData {
  /** SVM decision value per sample (the x axis). `NaN` scores are left out of the plot. */
  scores: Float64Array | Float32Array | ArrayLike<number>;
  /** The same samples' **preprocessed** embeddings (whitened, L2-normalised), n x d. */
  latents: Matrix;
  /** The class's failure direction (SVM normal vector, length d) in the same space. */
  direction: Float32Array | Float64Array | ArrayLike<number>;
  /** Whether the model classified each sample correctly. */
  correct: Uint8Array | ArrayLike<boolean> | ArrayLike<number>;
  ids?: ArrayLike<string | number>;
  /** True label per sample (class name or id), shown on hover. */
  labels?: ArrayLike<string | number>;
  /** Predicted label per sample, shown on hover. */
  preds?: ArrayLike<string | number>;
  /** Ground-truth group per sample, for `color: 'group'` and hover. */
  groups?: ArrayLike<string | number | null>;
}

/** Options for {@link projectionPlot}. */
export interface ProjectionPlotOptions {
  /** The class to show (id or name); may be omitted when the table holds one class. */
  classId?: ClassRef;
  /**
   * Colour by correctness (`'correct'`, default) or by any column, e.g. the ground-truth `'group'`
   * (wrong samples then drawn as crosses).
   */
  color?: string;
  /** Draw the decision boundary, a dashed vertical line at score 0 (default true). */
  boundary?: boolean;
  title?: string;
  width?: number;
  height?: number;
  /**
   * Above this many points the traces use `scattergl` (WebGL, draws tens of thousands of points
   * smoothly); at or below it, SVG `scatter`, which every viewer and static export renders.
   * Default 5000.
   */
  webglAbove?: number;
  markerSize?: number;
  opacity?: number;
  /** Passed to {@link orthogonalPrincipalAxis}. */
  pca?: OrthogonalAxisOptions;
}

/**
 * Where a class's samples fall along its failure direction. x = SVM score under the class's current
 * SVM (negative = failure side), y = the main principal component of the preprocessed embeddings
 * orthogonal to the direction (see {@link orthogonalPrincipalAxis}), so the plot shows the spread
 * the direction does not explain. Colour by correct / wrong or by any column (e.g. the ground-truth
 * group); hover shows id, class, prediction, score. The dashed line at 0 is the SVM's decision
 * boundary. Takes the fitted directions and a scores table (`dirs.scores(input)` or a view of it):
 * the table's rows lead back to their embeddings.
 *
 * Deterministic: same input, same figure (the PCA sign is fixed, traces are in a fixed order).
 *
 * @example
 * ```ts
 * fd.projectionPlot(dirs, scores, { classId: 0, color: 'group' });
 * ```
 */
export function projectionPlot(dirs: FailureDirections, table: ScoresTable, opts: ProjectionPlotOptions = {}): Figure {
  const color = opts.color ?? 'correct';
  const s = classSamples(dirs, table, opts.classId, 'projectionPlot');
  const has = (c: string) => table.columnNames().includes(c);
  const data: ProjectionData = {
    scores: s.scores,
    latents: s.latents,
    direction: s.direction,
    correct: s.correct,
    ids: has('id') ? (s.column('id') as Array<string | number>) : undefined,
    labels: has('className') ? (s.column('className') as string[]) : undefined,
    preds: has('predName') ? (s.column('predName') as string[]) : undefined,
    groups: color !== 'correct' ? (s.column(color) as Array<string | number | null>) : undefined,
  };
  return drawProjection(data, { title: `Class '${s.className}' along its failure direction`, ...opts, color });
}

/** @internal The figure from precomputed samples (what projectionPlot computes); exported for tests. */
export function drawProjection(data: ProjectionData, opts: ProjectionPlotOptions = {}): Figure {
  const caller = 'projectionPlot';
  const n = data.latents?.rows;
  if (!Number.isInteger(n)) throw new TypeError(`${caller}: latents must be a Matrix {data, rows, cols}`);
  checkLength(data.scores, n, caller, 'scores');
  checkLength(data.correct, n, caller, 'correct');
  if (data.ids) checkLength(data.ids, n, caller, 'ids');
  if (data.labels) checkLength(data.labels, n, caller, 'labels');
  if (data.preds) checkLength(data.preds, n, caller, 'preds');
  if (data.groups) checkLength(data.groups, n, caller, 'groups');
  const color = opts.color ?? 'correct';


  const { coords, explainedVariance } = orthogonalPrincipalAxis(data.latents, data.direction, opts.pca);
  const webglAbove = opts.webglAbove ?? 5000;
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(data.scores[i])) kept.push(i);
  const type = kept.length > webglAbove ? 'scattergl' : 'scatter';

  // Trace membership: by correctness, or by group (sorted, null last as 'unknown').
  const keyOf = (i: number): string =>
    color === 'correct' ? (truthy(data.correct[i]) ? 'correct' : 'wrong') : data.groups![i] == null ? 'unknown' : String(data.groups![i]);
  const keys =
    color === 'correct'
      ? ['correct', 'wrong']
      : [...sortedDistinct(kept.map((i) => data.groups![i]).filter((g): g is string | number => g != null)).map(String), ...(kept.some((i) => data.groups![i] == null) ? ['unknown'] : [])];
  const members = new Map<string, number[]>(keys.map((k) => [k, []]));
  for (const i of kept) members.get(keyOf(i))!.push(i);

  const hover = [
    'id: %{customdata[0]}',
    'label: %{customdata[1]}',
    'pred: %{customdata[2]}',
    'score: %{x:.4f}',
    ...(data.groups ? [`${escapePlotlyText(color)}: %{customdata[3]}`] : []),
  ].join('<br>');
  const traces = keys.map((key, t) => {
    const idx = members.get(key)!;
    const fill = color === 'correct' ? (key === 'correct' ? CORRECT_COLOR : WRONG_COLOR) : PALETTE[t % PALETTE.length];
    const marker: Record<string, unknown> = { color: fill, size: opts.markerSize ?? (kept.length > 2000 ? 4 : 6), opacity: opts.opacity ?? 0.75 };
    if (color !== 'correct') {
      marker.symbol = idx.map((i) => (truthy(data.correct[i]) ? 'circle' : 'x'));
    }
    return {
      type,
      mode: 'markers',
      name: escapePlotlyText(key),
      x: idx.map((i) => round(data.scores[i])),
      y: idx.map((i) => round(coords[i])),
      // Hover text shows these through Plotly's HTML-like renderer: user strings are escaped.
      customdata: idx.map((i) => [
        hoverValue(data.ids ? data.ids[i] : i),
        hoverValue(data.labels ? data.labels[i] : ''),
        hoverValue(data.preds ? data.preds[i] : ''),
        ...(data.groups ? [hoverValue(data.groups[i] ?? 'unknown')] : []),
      ]),
      hovertemplate: `${hover}<extra>${escapePlotlyText(key)}</extra>`,
      marker,
    };
  });

  const layout = baseLayout(plotTitle(opts.title, 'Samples along the failure direction'), opts.width ?? 760, opts.height ?? 520);
  const pct = Number.isFinite(explainedVariance) ? ` (${(100 * explainedVariance).toFixed(1)}% of remaining variance)` : '';
  layout.xaxis = axis('SVM score (negative = failure side)');
  layout.yaxis = axis(`PC1 orthogonal to the direction${pct}`);
  layout.legend = { title: { text: color === 'correct' ? 'prediction' : `${escapePlotlyText(color)} (x = wrong)` } };
  if (opts.boundary ?? true) {
    layout.shapes = [verticalLine(0, 'x', 'y', [0, 1])];
    layout.annotations = [
      { xref: 'x', yref: 'paper', x: 0, y: 1, yanchor: 'bottom', showarrow: false, text: 'decision boundary', font: { size: 10, color: '#444' } },
    ];
  }
  return new Figure({ data: traces, layout });
}

/** A hover value: numbers as they are, text escaped for Plotly's HTML-like renderer. */
function hoverValue(v: string | number): string | number {
  return typeof v === 'number' ? v : escapePlotlyText(String(v));
}
