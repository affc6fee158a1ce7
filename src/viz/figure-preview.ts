/**
 * Static previews of Plotly figures, drawn in Node: the spec is laid out as an SVG (axes, ticks,
 * grid, legend, title) and rasterised to PNG by sharp. The preview is what viewers without JavaScript
 * (GitHub, untrusted notebooks, nbconvert to PDF) show; the interactive chart replaces it when
 * plotly.js runs.
 *
 * Covered: `scatter`/`scattergl` (markers, lines, error bars, numeric colour scales), `bar` (vertical,
 * horizontal; group/stack/overlay), `histogram` (shared bins, `histnorm`), linear/log/category axes,
 * `layout.shapes` lines and rectangles. Other trace types are listed in a note on the preview.
 */
import { escapeXml } from '../util/escape';
import { FONT_FAMILY, textWidth } from './fonts';
import { svgToPngSync } from './sharp-sync';
import { formatNumber } from '../util/format';

/** The spec shape the preview reads (same as `Figure`). */
export interface PreviewSpec {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

/**
 * plotly.js's default colorway (D3 category10).
 *
 * @example
 * ```ts
 * fig.data[k].marker = { color: COLORWAY[k % COLORWAY.length] };
 * ```
 */
export const COLORWAY = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const COLORSCALES: Record<string, Array<[number, string]>> = {
  viridis: [[0, '#440154'], [0.06274509803921569, '#48186a'], [0.12549019607843137, '#472d7b'], [0.18823529411764706, '#424086'], [0.25098039215686274, '#3b528b'], [0.3137254901960784, '#33638d'], [0.3764705882352941, '#2c728e'], [0.4392156862745098, '#26828e'], [0.5019607843137255, '#21918c'], [0.5647058823529412, '#1fa088'], [0.6274509803921569, '#28ae80'], [0.6901960784313725, '#3fbc73'], [0.7529411764705882, '#5ec962'], [0.8156862745098039, '#84d44b'], [0.8784313725490196, '#addc30'], [0.9411764705882353, '#d8e219'], [1, '#fde725']],
  rdbu: [[0, 'rgb(5,10,172)'], [0.35, 'rgb(106,137,247)'], [0.5, 'rgb(190,190,190)'], [0.6, 'rgb(220,170,132)'], [0.7, 'rgb(230,145,90)'], [1, 'rgb(178,10,28)']],
  bluered: [[0, 'rgb(0,0,255)'], [1, 'rgb(255,0,0)']],
  greys: [[0, 'rgb(0,0,0)'], [1, 'rgb(255,255,255)']],
  blues: [[0, 'rgb(5,10,172)'], [0.35, 'rgb(40,60,190)'], [0.5, 'rgb(70,100,245)'], [0.6, 'rgb(90,120,245)'], [0.7, 'rgb(106,137,247)'], [1, 'rgb(220,220,220)']],
  reds: [[0, 'rgb(220,220,220)'], [0.2, 'rgb(245,195,157)'], [0.4, 'rgb(245,160,105)'], [1, 'rgb(178,10,28)']],
};

type Val = number | string | null;

interface ScatterItem {
  kind: 'scatter';
  x: Val[];
  y: Val[];
  markers: boolean;
  lines: boolean;
  color: string;
  colors?: string[];
  size: number;
  opacity: number;
  lineWidth: number;
  dash?: string;
  errY?: { plus: number[]; minus: number[] };
  name: string;
  legend: boolean;
  scale?: { scale: Array<[number, string]>; min: number; max: number; title: string };
}

interface BarItem {
  kind: 'bar';
  horizontal: boolean;
  pos: Val[];
  /** Bar width in data units of a numeric position axis (ignored on category axes). */
  width?: number[];
  value: number[];
  base: number[];
  color: string;
  colors?: string[];
  opacity: number;
  name: string;
  legend: boolean;
  histogram: boolean;
}

type Item = ScatterItem | BarItem;

interface Axis {
  type: 'linear' | 'log' | 'category';
  lo: number;
  hi: number;
  categories: string[];
  title: string;
  px0: number;
  px1: number;
  ticks: Array<{ v: number; label: string }>;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { text?: unknown }).text === 'string') return (v as { text: string }).text;
  return '';
}

/** Plotly titles may hold a few HTML tags; the preview shows plain text. */
function plain(s: string): string {
  return s.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function arr(v: unknown): Val[] | undefined {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' || typeof x === 'string' ? x : x === null || x === undefined ? null : String(x)));
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return undefined;
}

function num(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function parseColor(c: string): [number, number, number] {
  const s = c.trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16)) as [number, number, number];
  m = /^#([0-9a-f]{6})$/.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as [number, number, number];
  m = /^rgba?\(([^)]+)\)$/.exec(s);
  if (m) {
    const p = m[1].split(',').map((x) => parseFloat(x));
    return [p[0] || 0, p[1] || 0, p[2] || 0];
  }
  return [128, 128, 128];
}

function resolveScale(v: unknown): Array<[number, string]> {
  if (typeof v === 'string' && COLORSCALES[v.toLowerCase()]) return COLORSCALES[v.toLowerCase()];
  if (Array.isArray(v) && v.length >= 2 && v.every((s) => Array.isArray(s) && s.length === 2)) return v as Array<[number, string]>;
  return COLORSCALES.viridis;
}

function scaleColor(scale: Array<[number, string]>, t: number): string {
  const u = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
  let k = 1;
  while (k < scale.length - 1 && scale[k][0] < u) k++;
  const [t0, c0] = scale[k - 1];
  const [t1, c1] = scale[k];
  const f = t1 > t0 ? (u - t0) / (t1 - t0) : 0;
  const a = parseColor(c0);
  const b = parseColor(c1);
  const mix = a.map((x, i) => Math.round(x + (b[i] - x) * f));
  return `rgb(${mix[0]},${mix[1]},${mix[2]})`;
}

function finite(v: Val): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function traceItems(data: Array<Record<string, unknown>>, layout: Record<string, unknown>, skipped: Set<string>): Item[] {
  const colorway = Array.isArray(layout.colorway) ? (layout.colorway as string[]) : COLORWAY;
  const items: Item[] = [];
  const hists: Array<{ t: Record<string, unknown>; vals: number[]; horizontal: boolean; color: string; idx: number }> = [];
  const multi = data.length > 1;
  data.forEach((t, idx) => {
    const type = typeof t.type === 'string' ? t.type : 'scatter';
    if (t.visible === false || t.visible === 'legendonly') return;
    const marker = obj(t.marker);
    const traceColor = typeof marker.color === 'string' ? marker.color : colorway[idx % colorway.length];
    const name = typeof t.name === 'string' ? plain(t.name) : `trace ${idx}`;
    const legend = t.showlegend === false ? false : layout.showlegend === false ? false : layout.showlegend === true || multi;
    if (type === 'scatter' || type === 'scattergl') {
      const y = arr(t.y) ?? [];
      const x = arr(t.x) ?? y.map((_, i) => i);
      // Plotly's default mode: lines+markers below 20 points, lines otherwise.
      const mode = typeof t.mode === 'string' ? t.mode : y.length < 20 ? 'lines+markers' : 'lines';
      const line = obj(t.line);
      const item: ScatterItem = {
        kind: 'scatter', x, y, markers: mode.includes('markers'), lines: mode.includes('lines'),
        color: typeof line.color === 'string' && !mode.includes('markers') ? line.color : traceColor,
        size: num(marker.size, 6), opacity: num(marker.opacity, num(t.opacity, 1)), lineWidth: num(line.width, 2),
        dash: typeof line.dash === 'string' && line.dash !== 'solid' ? line.dash : undefined, name, legend,
      };
      if (typeof line.color === 'string' && mode.includes('lines') && mode.includes('markers')) item.color = line.color;
      const colorArr = arr(marker.color);
      if (colorArr && colorArr.length) {
        if (colorArr.every((c) => typeof c === 'number' || c === null)) {
          const vals = colorArr.filter(finite);
          const min = num(marker.cmin, vals.length ? Math.min(...vals) : 0);
          const max = num(marker.cmax, vals.length ? Math.max(...vals) : 1);
          const scale = resolveScale(marker.colorscale);
          item.colors = colorArr.map((c) => (finite(c) ? scaleColor(scale, max > min ? (c - min) / (max - min) : 0.5) : '#bbb'));
          item.scale = { scale, min, max, title: plain(str(obj(marker.colorbar).title)) };
        } else item.colors = colorArr.map((c) => (typeof c === 'string' ? c : traceColor));
      }
      const ey = obj(t.error_y);
      const plus = arr(ey.array);
      if (plus && ey.visible !== false) {
        const minus = arr(ey.arrayminus) ?? plus;
        item.errY = { plus: plus.map((v) => (finite(v) ? v : 0)), minus: minus.map((v) => (finite(v) ? v : 0)) };
      }
      items.push(item);
    } else if (type === 'bar') {
      const horizontal = t.orientation === 'h';
      const vals = arr(horizontal ? t.x : t.y) ?? [];
      const pos = arr(horizontal ? t.y : t.x) ?? vals.map((_, i) => i);
      const colorArr = arr(marker.color);
      items.push({
        kind: 'bar', horizontal, pos, value: vals.map((v) => (finite(v) ? v : 0)), base: vals.map(() => 0),
        color: traceColor, colors: colorArr?.every((c) => typeof c === 'string') ? (colorArr as string[]) : undefined,
        opacity: num(marker.opacity, num(t.opacity, 1)), name, legend, histogram: false,
      });
    } else if (type === 'histogram') {
      const horizontal = t.x === undefined && t.y !== undefined;
      const vals = (arr(horizontal ? t.y : t.x) ?? []).filter(finite);
      hists.push({ t, vals, horizontal, color: traceColor, idx });
      items.push({
        kind: 'bar', horizontal, pos: [], value: [], base: [], color: traceColor, opacity: num(marker.opacity, num(t.opacity, 1)),
        name, legend, histogram: true,
      });
    } else {
      skipped.add(type);
    }
  });
  if (hists.length) binHistograms(hists, items.filter((i): i is BarItem => i.kind === 'bar' && i.histogram));
  return items;
}

function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

function binHistograms(
  hists: Array<{ t: Record<string, unknown>; vals: number[]; horizontal: boolean }>,
  bars: BarItem[],
): void {
  const all = hists.flatMap((h) => h.vals);
  const first = hists[0].t;
  const bins = obj(hists[0].horizontal ? first.ybins : first.xbins);
  let lo = num(bins.start, all.length ? Math.min(...all) : 0);
  let hi = num(bins.end, all.length ? Math.max(...all) : 1);
  if (hi <= lo) hi = lo + 1;
  const nb = num(hists[0].horizontal ? first.nbinsy : first.nbinsx, 0) || Math.max(5, Math.min(60, Math.ceil(2 * Math.cbrt(Math.max(1, all.length / hists.length)))));
  const size = num(bins.size, 0) || niceStep(hi - lo, nb);
  if (bins.start === undefined) lo = Math.floor(lo / size) * size;
  const n = Math.max(1, Math.ceil((hi - lo) / size - 1e-9));
  hists.forEach((h, k) => {
    const counts = new Float64Array(n);
    for (const v of h.vals) {
      const b = Math.min(n - 1, Math.max(0, Math.floor((v - lo) / size)));
      counts[b]++;
    }
    const norm = typeof h.t.histnorm === 'string' ? h.t.histnorm : '';
    const total = h.vals.length || 1;
    const f = norm === 'percent' ? 100 / total : norm === 'probability' ? 1 / total : norm === 'density' ? 1 / size : norm === 'probability density' ? 1 / (total * size) : 1;
    const bar = bars[k];
    bar.pos = Array.from({ length: n }, (_, i) => lo + (i + 0.5) * size);
    bar.width = bar.pos.map(() => size);
    bar.value = Array.from(counts, (c) => c * f);
    bar.base = bar.value.map(() => 0);
  });
}

function fmtTick(v: number, step: number): string {
  if (Math.abs(v) < step * 1e-9) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || (a < 1e-4 && a > 0)) return v.toExponential(Math.max(0, Math.min(6, Math.round(-Math.log10(step / a))))).replace('e+', 'e');
  const dec = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  const t = v.toFixed(dec);
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}

function buildAxis(spec: Record<string, unknown>, values: Val[], barZero: boolean, padFrac: number, px0: number, px1: number): Axis {
  const explicit = typeof spec.type === 'string' ? spec.type : '';
  const isCat = explicit === 'category' || (explicit !== 'linear' && explicit !== 'log' && values.some((v) => typeof v === 'string'));
  const axis: Axis = { type: isCat ? 'category' : explicit === 'log' ? 'log' : 'linear', lo: 0, hi: 1, categories: [], title: plain(str(spec.title)), px0, px1, ticks: [] };
  if (axis.type === 'category') {
    const seen = new Set<string>();
    for (const v of values) if (v !== null && !seen.has(String(v))) { seen.add(String(v)); axis.categories.push(String(v)); }
    axis.lo = -0.5;
    axis.hi = Math.max(0.5, axis.categories.length - 0.5);
    const every = Math.max(1, Math.ceil((axis.categories.length * 14) / Math.abs(px1 - px0)));
    axis.ticks = axis.categories.map((c, i) => ({ v: i, label: c })).filter((_, i) => i % every === 0);
    return axis;
  }
  const nums = values.filter(finite).filter((v) => axis.type !== 'log' || v > 0).map((v) => (axis.type === 'log' ? Math.log10(v) : v));
  let lo = nums.length ? Math.min(...nums) : 0;
  let hi = nums.length ? Math.max(...nums) : 1;
  if (barZero && axis.type === 'linear') { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
  if (hi === lo) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * padFrac;
  if (!(barZero && lo === 0)) lo -= pad;
  if (!(barZero && hi === 0)) hi += pad;
  const range = Array.isArray(spec.range) ? (spec.range as unknown[]) : undefined;
  if (range && finite(range[0] as Val) && finite(range[1] as Val)) { lo = range[0] as number; hi = range[1] as number; }
  axis.lo = lo;
  axis.hi = hi;
  if (axis.type === 'log') {
    const span = hi - lo;
    const stepDec = Math.max(1, Math.ceil(span / 8));
    for (let k = Math.ceil(lo); k <= Math.floor(hi); k += stepDec) axis.ticks.push({ v: k, label: Math.abs(k) >= 4 ? `1e${k}` : fmtTick(Math.pow(10, k), Math.pow(10, k)) });
    if (axis.ticks.length < 2) for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) for (const m of [2, 5]) {
      const v = k + Math.log10(m);
      if (v >= lo && v <= hi) axis.ticks.push({ v, label: fmtTick(m * Math.pow(10, k), Math.pow(10, k)) });
    }
    axis.ticks.sort((a, b) => a.v - b.v);
    return axis;
  }
  const target = Math.max(2, Math.min(8, Math.floor(Math.abs(px1 - px0) / 70)));
  const step = niceStep(Math.abs(hi - lo), target);
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) axis.ticks.push({ v, label: fmtTick(v, step) });
  return axis;
}

function toPx(axis: Axis, v: Val): number {
  let t: number;
  if (axis.type === 'category') t = axis.categories.indexOf(String(v));
  else if (!finite(v)) return NaN;
  else if (axis.type === 'log') t = v > 0 ? Math.log10(v) : NaN;
  else t = v;
  return axis.px0 + ((t - axis.lo) / (axis.hi - axis.lo)) * (axis.px1 - axis.px0);
}

function r1(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/**
 * Lays a Plotly spec out as an SVG document (the static preview).
 *
 * @example
 * ```ts
 * const svg = figureSvg({ data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: 'demo' } } });
 * ```
 */
export function figureSvg(spec: PreviewSpec, opts: { width?: number; height?: number } = {}): string {
  const layout = obj(spec.layout);
  const W = Math.round(opts.width ?? num(layout.width, 700));
  const H = Math.round(opts.height ?? num(layout.height, 450));
  const skipped = new Set<string>();
  const items = traceItems(Array.isArray(spec.data) ? spec.data : [], layout, skipped);
  const bars = items.filter((i): i is BarItem => i.kind === 'bar');
  const barmode = typeof layout.barmode === 'string' ? layout.barmode : 'group';
  if (barmode === 'stack' || barmode === 'relative') stackBars(bars);

  const title = plain(str(layout.title));
  const xSpec = obj(layout.xaxis);
  const ySpec = obj(layout.yaxis);
  const xVals: Val[] = [];
  const yVals: Val[] = [];
  let xBarZero = false;
  let yBarZero = false;
  for (const it of items) {
    if (it.kind === 'scatter') {
      for (const v of it.x) xVals.push(v);
      it.y.forEach((v, i) => {
        yVals.push(v);
        if (it.errY && finite(v)) yVals.push(v + (it.errY.plus[i] ?? 0), v - (it.errY.minus[i] ?? 0));
      });
    } else {
      const posVals = it.horizontal ? yVals : xVals;
      const valVals = it.horizontal ? xVals : yVals;
      it.pos.forEach((p, i) => {
        if (it.width && finite(p)) posVals.push(p - it.width[i] / 2, p + it.width[i] / 2);
        else posVals.push(p);
        valVals.push(it.base[i] + it.value[i], it.base[i]);
      });
      if (it.horizontal) xBarZero = true;
      else yBarZero = true;
    }
  }
  const colorbar = items.find((i): i is ScatterItem => i.kind === 'scatter' && !!i.scale)?.scale;
  const legendItems = items.filter((i) => i.legend);
  const legendW = legendItems.length ? Math.min(180, 34 + Math.max(...legendItems.map((i) => textWidth(i.name, 12)))) : 0;
  const cbW = colorbar ? 70 : 0;
  const mt = title ? 48 : 18;
  const xTitle = plain(str(xSpec.title));
  const yTitle = plain(str(ySpec.title));
  const mb = 34 + (xTitle ? 20 : 0);
  // The y tick labels set the left margin; build once with a provisional margin to measure them.
  const provisional = buildAxis(ySpec, yVals, yBarZero, yBarZero ? 0.05 : 0.06, H - mb, mt);
  const yLabelW = Math.min(150, Math.max(20, ...provisional.ticks.map((t) => textWidth(t.label, 11))));
  const ml = 14 + yLabelW + (yTitle ? 22 : 0);
  const mr = 16 + Math.max(legendW, cbW) + (legendW && cbW ? 0 : 0);
  const px0 = Math.round(ml);
  const px1 = Math.round(Math.max(ml + 40, W - mr));
  const py0 = H - mb;
  const py1 = mt;
  const xa = buildAxis(xSpec, xVals, xBarZero, xBarZero ? 0.05 : 0.06, px0, px1);
  const ya = buildAxis(ySpec, yVals, yBarZero, yBarZero ? 0.05 : 0.06, py0, py1);

  const out: string[] = [];
  const font = `font-family="${FONT_FAMILY}"`;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<defs><clipPath id="plot"><rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}"/></clipPath></defs>`);
  // grid + ticks
  for (const t of xa.ticks) {
    const x = toPx(xa, xa.type === 'category' ? xa.categories[t.v] : xa.type === 'log' ? Math.pow(10, t.v) : t.v);
    if (!Number.isFinite(x)) continue;
    if (xa.type !== 'category' && xSpec.showgrid !== false) out.push(`<line x1="${r1(x)}" x2="${r1(x)}" y1="${py1}" y2="${py0}" stroke="#eee"/>`);
    out.push(`<text x="${r1(x)}" y="${py0 + 16}" ${font} font-size="11" fill="#444" text-anchor="middle">${escapeXml(fitText(t.label, 11, 90))}</text>`);
  }
  for (const t of ya.ticks) {
    const y = toPx(ya, ya.type === 'category' ? ya.categories[t.v] : ya.type === 'log' ? Math.pow(10, t.v) : t.v);
    if (!Number.isFinite(y)) continue;
    const zero = t.v === 0 && ya.type === 'linear' && ySpec.zeroline !== false;
    if (ya.type !== 'category' && (zero || ySpec.showgrid !== false)) out.push(`<line x1="${px0}" x2="${px1}" y1="${r1(y)}" y2="${r1(y)}" stroke="${zero ? '#444' : '#eee'}"/>`);
    out.push(`<text x="${px0 - 6}" y="${r1(y + 4)}" ${font} font-size="11" fill="#444" text-anchor="end">${escapeXml(fitText(t.label, 11, yLabelW))}</text>`);
  }
  if (xa.type === 'linear' && xSpec.zeroline !== false && Math.min(xa.lo, xa.hi) < 0 && Math.max(xa.lo, xa.hi) > 0) {
    const x = toPx(xa, 0);
    out.push(`<line x1="${r1(x)}" x2="${r1(x)}" y1="${py1}" y2="${py0}" stroke="#444"/>`);
  }
  out.push(`<g clip-path="url(#plot)">`);
  drawBars(out, bars, barmode, xa, ya);
  for (const it of items) if (it.kind === 'scatter') drawScatter(out, it, xa, ya);
  drawShapes(out, layout, xa, ya, { px0, px1, py0, py1 });
  out.push('</g>');
  out.push(`<rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}" fill="none" stroke="#ccc"/>`);
  if (title) out.push(`<text x="${r1(W / 2)}" y="28" ${font} font-size="16" fill="#222" text-anchor="middle">${escapeXml(fitText(title, 16, W - 20))}</text>`);
  if (xTitle) out.push(`<text x="${r1((px0 + px1) / 2)}" y="${H - 10}" ${font} font-size="12" fill="#222" text-anchor="middle">${escapeXml(fitText(xTitle, 12, px1 - px0))}</text>`);
  if (yTitle) {
    const cy = (py0 + py1) / 2;
    out.push(`<text x="16" y="${r1(cy)}" ${font} font-size="12" fill="#222" text-anchor="middle" transform="rotate(-90 16 ${r1(cy)})">${escapeXml(fitText(yTitle, 12, py0 - py1))}</text>`);
  }
  let ly = py1 + 6;
  if (legendItems.length) {
    const lx = px1 + 16;
    for (const it of legendItems) {
      if (ly > H - 20) break;
      const c = it.kind === 'bar' || !it.colors ? it.color : it.colors[0];
      if (it.kind === 'bar') out.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${escapeXml(c)}" fill-opacity="${it.opacity}"/>`);
      else {
        if (it.lines) out.push(`<line x1="${lx - 2}" x2="${lx + 14}" y1="${ly + 6}" y2="${ly + 6}" stroke="${escapeXml(c)}" stroke-width="2"/>`);
        if (it.markers) out.push(`<circle cx="${lx + 6}" cy="${ly + 6}" r="4.5" fill="${escapeXml(c)}"/>`);
      }
      out.push(`<text x="${lx + 20}" y="${ly + 10}" ${font} font-size="12" fill="#222">${escapeXml(fitText(it.name, 12, legendW - 24))}</text>`);
      ly += 19;
    }
  }
  if (colorbar) {
    const bx = px1 + 16;
    const top = legendItems.length ? ly + 10 : py1 + 10;
    const h = Math.max(40, Math.min(220, py0 - top - 10));
    const stops = colorbar.scale.map(([t, c]) => `<stop offset="${t}" stop-color="${escapeXml(c)}"/>`).join('');
    out.push(`<defs><linearGradient id="cb" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient></defs>`);
    out.push(`<rect x="${bx}" y="${top}" width="14" height="${h}" fill="url(#cb)"/>`);
    out.push(`<text x="${bx + 18}" y="${top + 9}" ${font} font-size="11" fill="#444">${escapeXml(formatNumber(colorbar.max, 3))}</text>`);
    out.push(`<text x="${bx + 18}" y="${top + h}" ${font} font-size="11" fill="#444">${escapeXml(formatNumber(colorbar.min, 3))}</text>`);
    if (colorbar.title) out.push(`<text x="${bx}" y="${top - 4}" ${font} font-size="11" fill="#222">${escapeXml(fitText(colorbar.title, 11, cbW + 10))}</text>`);
  }
  if (skipped.size) {
    out.push(`<text x="${W - 6}" y="${H - 4}" ${font} font-size="10" fill="#999" text-anchor="end">preview omits: ${escapeXml([...skipped].join(', '))}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

function fitText(s: string, size: number, max: number): string {
  if (textWidth(s, size) <= max) return s;
  let t = s;
  while (t.length > 1 && textWidth(t + '…', size) > max) t = t.slice(0, -1);
  return t + '…';
}

function stackBars(bars: BarItem[]): void {
  const pos = new Map<string, number>();
  const neg = new Map<string, number>();
  for (const b of bars) {
    b.pos.forEach((p, i) => {
      const key = String(p);
      const v = b.value[i];
      const m = v >= 0 ? pos : neg;
      b.base[i] = m.get(key) ?? 0;
      m.set(key, b.base[i] + v);
    });
  }
}

function drawBars(out: string[], bars: BarItem[], barmode: string, xa: Axis, ya: Axis): void {
  if (!bars.length) return;
  const grouped = barmode === 'group' && bars.filter((b) => !b.histogram).length > 1;
  const plain = bars.filter((b) => !b.histogram);
  bars.forEach((b) => {
    const posAxis = b.horizontal ? ya : xa;
    const valAxis = b.horizontal ? xa : ya;
    const k = grouped && !b.histogram ? plain.indexOf(b) : 0;
    const groups = grouped && !b.histogram ? plain.length : 1;
    let band: number;
    if (posAxis.type === 'category') band = Math.abs(toPx(posAxis, posAxis.categories[1] ?? posAxis.categories[0]) - toPx(posAxis, posAxis.categories[0])) || Math.abs(posAxis.px1 - posAxis.px0);
    else {
      const sorted = b.pos.filter(finite).sort((p, q) => p - q);
      let d = Infinity;
      for (let i = 1; i < sorted.length; i++) if (sorted[i] > sorted[i - 1]) d = Math.min(d, sorted[i] - sorted[i - 1]);
      const unit = b.width?.[0] ?? (Number.isFinite(d) ? d : 1);
      band = Math.abs(toPx(posAxis, (sorted[0] ?? 0) + unit) - toPx(posAxis, sorted[0] ?? 0));
    }
    const fill = b.histogram ? 1 : 0.8;
    const w = (band * fill) / groups;
    b.pos.forEach((p, i) => {
      const c = toPx(posAxis, p);
      if (!Number.isFinite(c) || b.value[i] === 0) return;
      const start = c - (band * fill) / 2 + k * w;
      const v0 = toPx(valAxis, valAxis.type === 'log' ? Math.max(b.base[i], 1e-300) : b.base[i]);
      const v1 = toPx(valAxis, b.base[i] + b.value[i]);
      if (!Number.isFinite(v0) || !Number.isFinite(v1)) return;
      const color = escapeXml(b.colors?.[i] ?? b.color);
      const op = b.opacity < 1 ? ` fill-opacity="${b.opacity}"` : '';
      const stroke = b.histogram ? ' stroke="#fff" stroke-width="0.5"' : '';
      if (b.horizontal) out.push(`<rect x="${r1(Math.min(v0, v1))}" y="${r1(start)}" width="${r1(Math.abs(v1 - v0))}" height="${r1(w)}" fill="${color}"${op}${stroke}/>`);
      else out.push(`<rect x="${r1(start)}" y="${r1(Math.min(v0, v1))}" width="${r1(w)}" height="${r1(Math.abs(v1 - v0))}" fill="${color}"${op}${stroke}/>`);
    });
  });
}

function drawScatter(out: string[], it: ScatterItem, xa: Axis, ya: Axis): void {
  const n = Math.min(it.x.length, it.y.length);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = toPx(xa, it.x[i]);
    ys[i] = toPx(ya, it.y[i]);
  }
  const color = escapeXml(it.color);
  if (it.errY) {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const y = it.y[i];
      if (!Number.isFinite(xs[i]) || !finite(y)) continue;
      const a = toPx(ya, y + (it.errY.plus[i] ?? 0));
      const b = toPx(ya, y - (it.errY.minus[i] ?? 0));
      if (Number.isFinite(a) && Number.isFinite(b)) parts.push(`M${r1(xs[i])} ${r1(a)}V${r1(b)}M${r1(xs[i] - 3)} ${r1(a)}h6M${r1(xs[i] - 3)} ${r1(b)}h6`);
    }
    if (parts.length) out.push(`<path d="${parts.join('')}" stroke="${color}" stroke-width="1.2" fill="none"/>`);
  }
  if (it.lines) {
    let d = '';
    let pen = false;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${r1(xs[i])} ${r1(ys[i])}`;
      pen = true;
    }
    const dash = it.dash === 'dot' ? ' stroke-dasharray="2,3"' : it.dash ? ' stroke-dasharray="6,4"' : '';
    if (d) out.push(`<path d="${d}" stroke="${color}" stroke-width="${it.lineWidth}" fill="none"${dash}/>`);
  }
  if (it.markers) {
    const r = r1(it.size / 2);
    const op = it.opacity < 1 ? ` fill-opacity="${it.opacity}"` : '';
    if (!it.colors) {
      const cs: string[] = [];
      for (let i = 0; i < n; i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) cs.push(`<circle cx="${r1(xs[i])}" cy="${r1(ys[i])}" r="${r}"/>`);
      out.push(`<g fill="${color}"${op}>${cs.join('')}</g>`);
    } else {
      const cs: string[] = [];
      for (let i = 0; i < n; i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) cs.push(`<circle cx="${r1(xs[i])}" cy="${r1(ys[i])}" r="${r}" fill="${escapeXml(it.colors[i] ?? it.color)}"/>`);
      out.push(`<g${op}>${cs.join('')}</g>`);
    }
  }
}

function drawShapes(out: string[], layout: Record<string, unknown>, xa: Axis, ya: Axis, box: { px0: number; px1: number; py0: number; py1: number }): void {
  if (!Array.isArray(layout.shapes)) return;
  for (const s0 of layout.shapes) {
    const s = obj(s0);
    const type = s.type === 'rect' ? 'rect' : s.type === 'line' ? 'line' : '';
    if (!type) continue;
    const px = (v: unknown) => (s.xref === 'paper' ? box.px0 + num(v, 0) * (box.px1 - box.px0) : toPx(xa, v as Val));
    const py = (v: unknown) => (s.yref === 'paper' ? box.py0 + num(v, 0) * (box.py1 - box.py0) : toPx(ya, v as Val));
    const x0 = px(s.x0), x1 = px(s.x1), y0 = py(s.y0), y1 = py(s.y1);
    if (![x0, x1, y0, y1].every(Number.isFinite)) continue;
    const line = obj(s.line);
    const stroke = escapeXml(typeof line.color === 'string' ? line.color : '#444');
    const dash = typeof line.dash === 'string' && line.dash !== 'solid' ? ' stroke-dasharray="5,4"' : '';
    if (type === 'line') out.push(`<line x1="${r1(x0)}" y1="${r1(y0)}" x2="${r1(x1)}" y2="${r1(y1)}" stroke="${stroke}" stroke-width="${num(line.width, 2)}"${dash}/>`);
    else {
      const fill = typeof s.fillcolor === 'string' ? escapeXml(s.fillcolor) : 'none';
      out.push(`<rect x="${r1(Math.min(x0, x1))}" y="${r1(Math.min(y0, y1))}" width="${r1(Math.abs(x1 - x0))}" height="${r1(Math.abs(y1 - y0))}" fill="${fill}" fill-opacity="${num(s.opacity, 1)}" stroke="${stroke}"/>`);
    }
  }
}

/**
 * The static preview of a Plotly spec as PNG bytes (synchronous; ~20-80 ms).
 *
 * @example
 * ```ts
 * fs.writeFileSync('preview.png', figurePng(fig));
 * ```
 */
export function figurePng(spec: PreviewSpec, opts: { width?: number; height?: number } = {}): Buffer {
  return svgToPngSync(figureSvg(spec, opts), { palette: true, what: 'figure preview' });
}
