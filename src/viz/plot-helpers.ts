/*
 * Small shared pieces of the figure builders: input checks, JSON-friendly arrays, colours and
 * the look every figure shares. Builders stay pure: same input, same JSON.
 */
import { escapePlotlyText } from '../util/escape';

/** D3 category10, Plotly's default colour cycle: group `i` gets `PALETTE[i % 10]`. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Colours of correctly and wrongly classified samples. */
export const CORRECT_COLOR = '#1f77b4';
export const WRONG_COLOR = '#d62728';

/** @internal Throws unless `a` is array-like with `n` entries, naming the builder and the field. */
export function checkLength(a: ArrayLike<unknown> | undefined, n: number, caller: string, what: string): void {
  if (a == null || typeof a.length !== 'number') throw new TypeError(`${caller}: ${what} must be an array, got ${a}`);
  if (a.length !== n) throw new RangeError(`${caller}: ${what} has ${a.length} entries, expected ${n}`);
}

/** @internal A mask entry as a boolean (non-zero numbers are true). */
export function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'number' && v !== 0);
}

/** @internal Rounds to `digits` significant digits so specs stay small; non-finite values become null (JSON-safe). */
export function round(v: number, digits = 6): number | null {
  if (!Number.isFinite(v)) return null;
  if (v === 0) return 0;
  return Number(v.toPrecision(digits));
}

/** @internal A plain number array (typed arrays serialise to objects in JSON). */
export function plainNumbers(a: ArrayLike<number>, digits = 6): Array<number | null> {
  const out = new Array<number | null>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = round(a[i], digits);
  return out;
}


/** @internal Distinct values in a stable order: numbers ascending, then strings ascending. */
export function sortedDistinct<T extends string | number>(values: Iterable<T>): T[] {
  return [...new Set(values)].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * @internal A figure title: the user's (plain text, escaped for Plotly like every user string) or our
 * default (which may use Plotly markup).
 */
export function plotTitle(userTitle: string | undefined, fallback: string): string {
  return userTitle !== undefined ? escapePlotlyText(String(userTitle)) : fallback;
}

/** @internal Common layout: white template, readable font, explicit size. */
export function baseLayout(title: string | undefined, width: number, height: number): Record<string, unknown> {
  return {
    title: { text: title ?? '', x: 0.02, xanchor: 'left' },
    width,
    height,
    paper_bgcolor: 'white',
    plot_bgcolor: 'white',
    font: { family: 'Arial, sans-serif', size: 12 },
    margin: { l: 70, r: 30, t: title ? 60 : 30, b: 60 },
    hovermode: 'closest',
  };
}

/** @internal Axis settings shared by numeric axes. */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, showgrid: true, gridcolor: '#e5e5e5', zeroline: false, linecolor: '#444', ticks: 'outside', ...extra };
}

/**
 * @internal A vertical dashed line at x = `x` across the plot height of axis pair `xref`/`yref`.
 * With `paperSpan` (the y axis's domain) the line is placed in paper coordinates instead, which
 * simple renderers (the static preview) understand; use it for the main `y` axis.
 */
export function verticalLine(x: number, xref = 'x', yref = 'y', paperSpan?: [number, number]): Record<string, unknown> {
  const [y0, y1] = paperSpan ?? [0, 1];
  return { type: 'line', xref, yref: paperSpan ? 'paper' : `${yref} domain`, x0: x, x1: x, y0, y1, line: { color: '#444', width: 1, dash: 'dash' }, layer: 'above' };
}

/** @internal Finite min and max of `a` (NaN, NaN when there is none). */
export function finiteRange(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

/** @internal Histogram bins covering [lo, hi] (and 0 when `withZero`) in about `nbins` equal steps. */
export function bins(lo: number, hi: number, nbins: number, withZero = false): { start: number; end: number; size: number } {
  if (!Number.isFinite(lo)) return { start: -1, end: 1, size: 2 / nbins };
  if (withZero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const size = (hi - lo) / nbins;
  // Small padding so the largest value falls inside the last bin.
  return { start: round(lo - size * 1e-6, 8)!, end: round(hi + size * 1e-6, 8)!, size: round(size, 8)! };
}

/** @internal Checks a positive integer option. */
export function checkPositiveInt(v: number, caller: string, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${caller}: ${what} must be a positive integer, got ${v}`);
  return v;
}

