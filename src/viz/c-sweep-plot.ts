import type { ClassCVDetails } from '../directions/failure-directions';
import { Figure } from './figure';
import { axis, baseLayout, PALETTE, round } from './plot-helpers';
import { escapePlotlyText } from '../util/escape';
import { formatC } from '../util/format';

/**
 * One class's cross-validation over the C grid, exactly as `FailureDirections.cvDetails_` exposes it;
 * `converged` is optional here (unconverged points are drawn hollow when it is given).
 */
export type CvDetail = Omit<ClassCVDetails, 'converged'> & { converged?: boolean[] };

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
 * @example
 * ```ts
 * const fd = new FailureDirections().fit(valLatents, valTable);
 * await show(cSweepPlot(fd.cvDetails_, { title: 'Choosing C per class' }));
 * ```
 */
export function cSweepPlot(cvDetails: CvDetail[], opts: CSweepPlotOptions = {}): Figure {
  const caller = 'cSweepPlot';
  if (!Array.isArray(cvDetails)) throw new TypeError(`${caller}: cvDetails must be an array (FailureDirections.cvDetails_)`);
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
      legendgroup: label,
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
        legendgroup: label,
        showlegend: false,
        x: [d.chosenC],
        y: [ys[best]],
        marker: { color, size: 14, symbol: 'star', line: { color: '#222', width: 1 } },
        hovertemplate: `${escapePlotlyText(label)}<br>chosen C = ${formatC(d.chosenC)}<br>CV balanced accuracy %{y:.3f}<extra></extra>`,
      });
    }
  });
  const layout = baseLayout(opts.title ?? 'Cross-validated balanced accuracy vs C (star = chosen C)', opts.width ?? 760, opts.height ?? 480);
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
