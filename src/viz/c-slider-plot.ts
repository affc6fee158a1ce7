import { classSamples } from '../directions/class-samples';
import type { FailureDirections } from '../directions/failure-directions';
import type { ScoresTable } from '../directions/scores-table';
import type { ClassRef } from '../directions/table-views';
import { Figure } from './figure';
import { axis, baseLayout, bins, checkLength, checkPositiveInt, CORRECT_COLOR, finiteRange, round, truthy, verticalLine, WRONG_COLOR } from './plot-helpers';
import { escapePlotlyText } from '../util/escape';
import { formatC } from '../util/format';

/** Decision values of the same samples under each C of a grid (internal). */
export interface CSliderData {
  /** The C grid, one slider step each. */
  Cs: number[];
  /** `scoresPerC[s][i]`: decision value of sample i for the SVM fitted with `Cs[s]`. `NaN` = not scored. */
  scoresPerC: Array<Float64Array | Float32Array | ArrayLike<number>>;
  correct: Uint8Array | ArrayLike<boolean> | ArrayLike<number>;
  /** Sample ids shown in the ranking (default: the row index). */
  ids?: ArrayLike<string | number>;
  /** Ground-truth group per sample, shown in the ranking. */
  groups?: ArrayLike<string | number | null>;
}

/** Options for {@link cSliderPlot}. */
export interface CSliderPlotOptions {
  /** The class to show (id or name); may be omitted when the table holds one class. */
  classId?: ClassRef;
  /** The C grid, one slider step each (default the directions' CV grid). */
  Cs?: number[];
  /** A column shown in the ranking next to each sample (default `'group'` when the table has it). */
  groupBy?: string | null;
  /** Length of the hardest-first ranking shown at each step (default 10). */
  topK?: number;
  /** Histogram bins per step (default 30). */
  nbins?: number;
  /** Normalise each histogram to fractions of its own samples (default true, see `scoreHistogram`). */
  normalize?: boolean;
  /** Index of the step shown first (default: the chosen C's step, else 0). */
  active?: number;
  title?: string;
  width?: number;
  height?: number;
}

/** Sample indices sorted by ascending score (ties by index), NaN scores dropped. */
function ranking(scores: ArrayLike<number>): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i])) idx.push(i);
  return idx.sort((a, b) => scores[a] - scores[b] || a - b);
}

/**
 * Interactive regularisation in one Plotly figure: a slider over the C grid; each step shows
 * the score distribution of one class's samples for that C (correct vs wrong histograms, decision
 * boundary at 0) and the top-K hardest samples (a table: rank, id, score, model outcome, group,
 * rank at the previous C), so a reader sees the ranking move without re-running anything. Each
 * step's SVM is fitted with warm starts on the class's validation data (`dirs.fitPath`); the step of
 * the C chosen by cross-validation is starred and shown first. All steps are precomputed traces
 * whose visibility the slider toggles, so the figure works in any Plotly viewer, including static
 * HTML exports. Takes the fitted directions and a scores table (or a view of one).
 *
 * @example
 * ```ts
 * fd.cSliderPlot(dirs, scores, { classId: 0, topK: 10 });
 * ```
 */
export function cSliderPlot(dirs: FailureDirections, table: ScoresTable, opts: CSliderPlotOptions = {}): Figure {
  const s = classSamples(dirs, table, opts.classId, 'cSliderPlot');
  const Cs = opts.Cs ?? dirs.options.Cs;
  const cv = dirs.cvResults_.objects() as Array<{ class: number; C: number; chosen: boolean }>;
  const chosen = cv.find((r) => r.class === s.classId && r.chosen);
  const groupBy = opts.groupBy === undefined ? (table.columnNames().includes('group') ? 'group' : null) : opts.groupBy;
  const data: CSliderData = {
    Cs,
    scoresPerC: dirs.fitPath(s.classId, Cs).map((svm) => svm.decisionFunction(s.latents)),
    correct: s.correct,
    ids: table.columnNames().includes('id') ? (s.column('id') as Array<string | number>) : undefined,
    groups: groupBy ? (s.column(groupBy) as Array<string | number | null>) : undefined,
  };
  return drawCSlider(data, { title: `Class '${s.className}': scores and hardest samples vs C`, ...opts, chosenC: chosen ? chosen.C : null });
}

/** @internal The figure from precomputed per-C scores (what cSliderPlot computes); exported for tests. */
export function drawCSlider(data: CSliderData, opts: CSliderPlotOptions & { chosenC: number | null }): Figure {
  const caller = 'cSliderPlot';
  const { Cs, scoresPerC } = data;
  if (!Array.isArray(Cs) || Cs.length === 0) throw new RangeError(`${caller}: Cs must be a non-empty array`);
  Cs.forEach((c, s) => {
    if (!(c > 0) || !Number.isFinite(c)) throw new RangeError(`${caller}: Cs[${s}] is ${c}; expected a positive number`);
  });
  if (!Array.isArray(scoresPerC) || scoresPerC.length !== Cs.length) {
    throw new RangeError(`${caller}: scoresPerC has ${scoresPerC?.length} entries but Cs has ${Cs.length}`);
  }
  const n = data.correct?.length;
  checkLength(data.correct, n, caller, 'correct');
  scoresPerC.forEach((s, k) => checkLength(s, n, caller, `scoresPerC[${k}] (C = ${formatC(Cs[k])})`));
  if (data.ids) checkLength(data.ids, n, caller, 'ids');
  if (data.groups) checkLength(data.groups, n, caller, 'groups');
  const topK = checkPositiveInt(opts.topK ?? 10, caller, 'topK');
  const nbins = checkPositiveInt(opts.nbins ?? 30, caller, 'nbins');
  const normalize = opts.normalize ?? true;

  let chosenStep = -1;
  if (opts.chosenC != null) {
    let best = 0;
    for (let s = 1; s < Cs.length; s++) if (Math.abs(Math.log(Cs[s] / opts.chosenC)) < Math.abs(Math.log(Cs[best] / opts.chosenC))) best = s;
    chosenStep = best;
  }
  const active = opts.active ?? (chosenStep >= 0 ? chosenStep : 0);
  if (!Number.isInteger(active) || active < 0 || active >= Cs.length) throw new RangeError(`${caller}: active must be a step index in 0..${Cs.length - 1}, got ${active}`);

  const id = (i: number) => (data.ids ? data.ids[i] : i);
  const ranks = scoresPerC.map((s) => ranking(s));
  const rankOf = ranks.map((order) => {
    const r = new Int32Array(n).fill(-1);
    order.forEach((i, pos) => (r[i] = pos));
    return r;
  });

  const traces: Array<Record<string, unknown>> = [];
  const titles: string[] = [];
  const ranges: Array<[number, number]> = [];
  // The title is plain text (the default holds the class name): escaped before our markup is added.
  const baseTitle = escapePlotlyText(opts.title ?? 'Scores and hardest samples as C changes');
  const histTitle = normalize ? 'fraction of samples' : 'count';
  for (let s = 0; s < Cs.length; s++) {
    const scores = scoresPerC[s];
    const visible = s === active;
    const [lo, hi] = finiteRange(scores);
    const xbins = bins(lo, hi, nbins, true);
    ranges.push([xbins.start - xbins.size, xbins.end + xbins.size]);
    for (const wrong of [false, true]) {
      const x: Array<number | null> = [];
      for (let i = 0; i < n; i++) if (!Number.isNaN(scores[i]) && truthy(data.correct[i]) !== wrong) x.push(round(scores[i]));
      traces.push({
        type: 'histogram',
        name: wrong ? 'wrong' : 'correct',
        legendgroup: wrong ? 'wrong' : 'correct',
        showlegend: true,
        visible,
        x,
        xaxis: 'x',
        yaxis: 'y',
        autobinx: false,
        xbins,
        histnorm: normalize ? 'probability' : '',
        opacity: 0.6,
        marker: { color: wrong ? WRONG_COLOR : CORRECT_COLOR },
        hovertemplate: `${wrong ? 'wrong' : 'correct'}<br>score %{x}<br>${normalize ? 'fraction %{y:.3f}' : 'count %{y}'}<extra>C = ${formatC(Cs[s])}</extra>`,
      });
    }
    const top = ranks[s].slice(0, topK);
    const prev = s > 0 ? rankOf[s - 1] : null;
    const moved = top.map((i) => {
      if (!prev) return '';
      const p = prev[i];
      return p < 0 ? 'new' : String(p + 1);
    });
    const columns: Array<Array<string | number | null>> = [
      top.map((_, r) => r + 1),
      top.map((i) => escapePlotlyText(String(id(i)))),
      top.map((i) => round(scores[i], 4)),
      top.map((i) => (truthy(data.correct[i]) ? 'correct' : 'wrong')),
      ...(data.groups ? [top.map((i) => escapePlotlyText(String(data.groups![i] ?? 'unknown')))] : []),
      ...(s > 0 ? [moved] : []),
    ];
    const header = ['rank', 'id', 'score', 'model', ...(data.groups ? ['group'] : []), ...(s > 0 ? [`rank at C = ${formatC(Cs[s - 1])}`] : [])];
    const rowFill = top.map((i) => (truthy(data.correct[i]) ? '#ffffff' : '#fde0dd'));
    traces.push({
      type: 'table',
      name: `top ${topK} at C = ${formatC(Cs[s])}`,
      visible,
      domain: { x: [0.55, 1], y: [0, 0.92] },
      columnwidth: header.map((h) => (h === 'rank' ? 0.6 : h === 'id' || h === 'group' || h.startsWith('rank at') ? 1.4 : 1)),
      header: { values: header.map((h) => `<b>${h}</b>`), fill: { color: '#eeeeee' }, align: 'left', font: { size: 11 } },
      cells: { values: columns, fill: { color: columns.map(() => rowFill) }, align: 'left', font: { size: 11 }, height: 22 },
    });
    const nWrong = top.filter((i) => !truthy(data.correct[i])).length;
    titles.push(`${baseTitle}<br><sup>C = ${formatC(Cs[s])}${s === chosenStep ? ' (chosen by CV)' : ''}: ${nWrong} of the ${top.length} hardest are wrong</sup>`);
  }

  const perStep = 3;
  const steps = Cs.map((c, s) => ({
    label: `${formatC(c)}${s === chosenStep ? '*' : ''}`,
    method: 'update',
    args: [
      { visible: traces.map((_, t) => Math.floor(t / perStep) === s) },
      { 'title.text': titles[s], 'xaxis.range': ranges[s] },
    ],
  }));
  // Tall enough for the table (header + topK rows of 22 px) inside its 92% domain, plus margins.
  const layout = baseLayout(titles[active], opts.width ?? 1000, opts.height ?? 260 + Math.ceil((90 + 22 * topK) / 0.92));
  layout.margin = { l: 70, r: 30, t: 110, b: 130 };
  layout.xaxis = axis('SVM score (negative = failure side)', { domain: [0, 0.47], range: ranges[active] });
  layout.yaxis = axis(histTitle, { domain: [0, 0.92], rangemode: 'tozero' });
  layout.barmode = 'overlay';
  layout.shapes = [verticalLine(0, 'x', 'y', [0, 0.92])];
  layout.legend = { x: 0, y: 1, xanchor: 'left', yanchor: 'bottom', orientation: 'h' };
  layout.sliders = [
    {
      active,
      steps,
      currentvalue: { prefix: 'C = ', font: { size: 13 } },
      pad: { t: 75 },
      x: 0,
      len: 1,
    },
  ];
  return new Figure({ data: traces, layout });
}
