/**
 * A Plotly figure: `data` traces plus `layout`, exactly as `Plotly.newPlot(div, data, layout, config)`
 * takes them. Figure builders in `viz/` return one; the display layer renders it.
 *
 * @example
 * ```ts
 * const fig = new Figure({ data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: 't' } } });
 * JSON.stringify(fig); // {"data":[...],"layout":{...}}
 * ```
 */
export interface PlotlySpec {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** See {@link PlotlySpec}. */
export class Figure implements PlotlySpec {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;

  constructor(spec: PlotlySpec) {
    this.data = spec.data;
    this.layout = spec.layout;
    if (spec.config) this.config = spec.config;
  }

  /** The plain Plotly spec (what `application/vnd.plotly.v1+json` carries). */
  toJSON(): PlotlySpec {
    return this.config ? { data: this.data, layout: this.layout, config: this.config } : { data: this.data, layout: this.layout };
  }
}
