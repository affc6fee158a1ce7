import { Figure } from './figure';
import { axis, baseLayout, plotTitle, PALETTE, round } from './plot-helpers';
import { escapePlotlyText } from '../util/escape';
import { formatC } from '../util/format';

/** One class's cross-validation over the C grid (internal: read from a `cvResults_` table). */
interface CvDetail {
  classId: number;
  className: string;
  Cs: number[];
  meanBalancedAccuracy: number[];
  chosenC: number | null;
  status: string;
  converged?: boolean[];
}

/** The part of an Arquero table read here. */
interface TableLike {
  numRows(): number;
  columnNames(): string[];
  array(name: string): ArrayLike<unknown>;
}

/** Options for {@link cSweepPlot}. */
export interface CSweepPlotOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Dotted reference line at balanced accuracy 0.5 (chance), default true. */
  chance?: boolean;
}

/**
 * Cross-validated balanced accuracy of the per-class SVMs against the regularisation constant C
 * (log x axis), one line per class, the chosen C marked with a star. Classes whose status is not
 * `'ok'` show it in their legend entry (dotted line); classes with no CV curve are listed under
 * the plot; grid points where a fold's solver did not converge are drawn hollow.
 *
 * Takes `dirs.cvResults_` (columns `class, className, C, balancedAccuracy, chosen, status` and
 * optionally `converged`), or any filtered view of it.
 *
 * @example
 * ```ts
 * fd.cSweepPlot(dirs.cvResults_, { title: 'Choosing C per class' });
 * ```
 */
export function cSweepPlot(cvResults: TableLike, opts: CSweepPlotOptions = {}): Figure {
  const caller = 'cSweepPlot';
  const cvDetails = detailsOf(cvResults, caller);
  const traces: Array<Record<string, unknown>> = [];
  const missing: string[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  cvDetails.forEach((d, k) => {
    if (d == null || !Array.isArray(d.Cs) || !Array.isArray(d.meanBalancedAccuracy)) {
      throw new TypeError(`${caller}: cvDetails[${k}] needs Cs and meanBalancedAccuracy arrays`);
    }
    if (d.Cs.length !== d.meanBalancedAccuracy.length) {
      throw new RangeError(`${caller}: class ${d.classId} (${d.className}) has ${d.Cs.length} Cs but ${d.meanBalancedAccuracy.length} accuracies`);
    }
    d.Cs.forEach((c) => {
      if (!(c > 0)) throw new RangeError(`${caller}: class ${d.classId} (${d.className}) has a non-positive C ${c}; the axis is logarithmic`);
    });
    const label = `${d.classId} · ${d.className}`;
    const name = escapePlotlyText(d.status === 'ok' ? label : `${label} (${d.status})`);
    if (d.Cs.length === 0) {
      missing.push(escapePlotlyText(`${label}: ${d.status}`));
      return;
    }
    const order = d.Cs.map((_, i) => i).sort((a, b) => d.Cs[a] - d.Cs[b]);
    const color = PALETTE[k % PALETTE.length];
    const xs = order.map((i) => d.Cs[i]);
    const ys = order.map((i) => (d.meanBalancedAccuracy[i] == null ? null : round(d.meanBalancedAccuracy[i])));
    lo = Math.min(lo, xs[0]);
    hi = Math.max(hi, xs[xs.length - 1]);
    traces.push({
      type: 'scatter',
      mode: 'lines+markers',
      name,
      legendgroup: escapePlotlyText(label),
      x: xs,
      y: ys,
      line: { color, width: 2, dash: d.status === 'ok' ? 'solid' : 'dot' },
      marker: {
        color,
        size: 6,
        symbol: d.converged ? order.map((i) => (d.converged![i] === false ? 'circle-open' : 'circle')) : 'circle',
      },
      hovertemplate: `${escapePlotlyText(label)}<br>C = %{x:.2e}<br>CV balanced accuracy %{y:.3f}<extra></extra>`,
    });
    if (d.chosenC != null) {
      // Mark the grid point closest to the chosen C (in log space).
      let best = 0;
      for (let i = 1; i < xs.length; i++) {
        if (Math.abs(Math.log(xs[i] / d.chosenC)) < Math.abs(Math.log(xs[best] / d.chosenC))) best = i;
      }
      traces.push({
        type: 'scatter',
        mode: 'markers',
        name: `${name}: chosen C`,
        legendgroup: escapePlotlyText(label),
        showlegend: false,
        x: [d.chosenC],
        y: [ys[best]],
        marker: { color, size: 14, symbol: 'star', line: { color: '#222', width: 1 } },
        hovertemplate: `${escapePlotlyText(label)}<br>chosen C = ${formatC(d.chosenC)}<br>CV balanced accuracy %{y:.3f}<extra></extra>`,
      });
    }
  });
  const layout = baseLayout(plotTitle(opts.title, 'Cross-validated balanced accuracy vs C (star = chosen C)'), opts.width ?? 760, opts.height ?? 480);
  layout.xaxis = axis('C (SVM regularisation, log scale)', { type: 'log', exponentformat: 'power' });
  layout.yaxis = axis('CV balanced accuracy');
  layout.legend = { title: { text: 'class' } };
  const shapes: Array<Record<string, unknown>> = [];
  if ((opts.chance ?? true) && lo <= hi) {
    shapes.push({ type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: 0.5, y1: 0.5, line: { color: '#888', width: 1, dash: 'dot' } });
  }
  layout.shapes = shapes;
  if (missing.length > 0) {
    layout.annotations = [{ xref: 'paper', yref: 'paper', x: 0, y: -0.2, xanchor: 'left', yanchor: 'top', showarrow: false, align: 'left', text: `No CV curve: ${missing.join('; ')}` }];
    (layout.margin as Record<string, number>).b = 110;
  }
  return new Figure({ data: traces, layout });
}

/** Groups a long-form CV results table into one curve per class, in class order. */
function detailsOf(t: TableLike, caller: string): CvDetail[] {
  if (t == null || typeof t.columnNames !== 'function') throw new TypeError(`${caller}: expected a CV results table (dirs.cvResults_), got ${t}`);
  const names = t.columnNames();
  for (const need of ['class', 'className', 'C', 'balancedAccuracy']) {
    if (!names.includes(need)) throw new Error(`${caller}: the table has no '${need}' column (columns: ${names.join(', ')}); pass dirs.cvResults_`);
  }
  const col = (name: string) => (names.includes(name) ? t.array(name) : undefined);
  const cls = col('class')!, cname = col('className')!, C = col('C')!, acc = col('balancedAccuracy')!;
  const chosen = col('chosen'), status = col('status'), converged = col('converged');
  const byClass = new Map<number, CvDetail>();
  for (let i = 0; i < t.numRows(); i++) {
    const c = Number(cls[i]);
    let d = byClass.get(c);
    if (!d) {
      d = { classId: c, className: String(cname[i]), Cs: [], meanBalancedAccuracy: [], chosenC: null, status: status ? String(status[i]) : 'ok', ...(converged ? { converged: [] } : {}) };
      byClass.set(c, d);
    }
    d.Cs.push(Number(C[i]));
    const a = acc[i];
    d.meanBalancedAccuracy.push(a == null ? NaN : Number(a));
    if (chosen && chosen[i]) d.chosenC = Number(C[i]);
    if (converged) d.converged!.push(!!converged[i]);
  }
  return [...byClass.values()].sort((a, b) => a.classId - b.classId);
}
