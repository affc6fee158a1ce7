import { Figure } from './figure';
import { axis, baseLayout, plotTitle, checkLength, checkPositiveInt, CORRECT_COLOR, round, WRONG_COLOR } from './plot-helpers';
import { escapePlotlyText } from '../util/escape';

/** Captions and their scores along a failure direction. */
export interface CaptionScores {
  caption: ArrayLike<string>;
  score: Float64Array | Float32Array | ArrayLike<number>;
}

/** The part of an Arquero table that {@link captionPlot} reads. */
export interface CaptionTableLike {
  numRows(): number;
  columnNames(): string[];
  array(name: string): ArrayLike<unknown>;
}

/** Options for {@link captionPlot}. */
export interface CaptionPlotOptions {
  /** How many captions to show at each end (default 10). */
  top?: number;
  /** Column names when the input is a table (defaults 'caption' and 'score'). */
  captionColumn?: string;
  scoreColumn?: string;
  title?: string;
  width?: number;
  /** Default: 26 px per bar plus margins. */
  height?: number;
}

function isTable(x: unknown): x is CaptionTableLike {
  return x != null && typeof (x as CaptionTableLike).numRows === 'function' && typeof (x as CaptionTableLike).array === 'function';
}

/**
 * The captions at both ends of a failure direction as a horizontal bar chart: the `top` lowest
 * scores (the failure side: what the hard examples look like) and the `top` highest (the easy
 * side), sorted by score from top to bottom. Input: an Arquero table with `caption` and `score`
 * columns (as `rankCaptions` returns) or `{ caption, score }` arrays. Duplicate captions keep
 * their first occurrence; `NaN` scores are left out.
 *
 * @example
 * ```ts
 * const candidates = fd.captionCandidates({ nouns: ['digit'], adjectives: [null, 'red', 'green'] });
 * const captions = await fd.rankCaptions(dirs, joint, 3, candidates);
 * fd.captionPlot(captions, { top: 8, title: 'Class 3: captions along the direction' });
 * ```
 */
export function captionPlot(input: CaptionScores | CaptionTableLike, opts: CaptionPlotOptions = {}): Figure {
  const caller = 'captionPlot';
  const top = checkPositiveInt(opts.top ?? 10, caller, 'top');
  let captions: ArrayLike<unknown>;
  let scores: ArrayLike<unknown>;
  if (isTable(input)) {
    const cc = opts.captionColumn ?? 'caption';
    const sc = opts.scoreColumn ?? 'score';
    for (const c of [cc, sc]) {
      if (!input.columnNames().includes(c)) throw new Error(`${caller}: the table has no '${c}' column; columns: ${input.columnNames().join(', ')}`);
    }
    captions = input.array(cc);
    scores = input.array(sc);
  } else {
    if (input == null) throw new TypeError(`${caller}: expected a table or { caption, score }`);
    captions = input.caption;
    scores = input.score;
    checkLength(captions, captions?.length, caller, 'caption');
    checkLength(scores, captions.length, caller, 'score');
  }
  const seen = new Set<string>();
  const rows: Array<{ caption: string; score: number }> = [];
  for (let i = 0; i < captions.length; i++) {
    const c = captions[i];
    const s = scores[i];
    if (typeof c !== 'string') throw new TypeError(`${caller}: caption ${i} is ${String(c)}; expected a string`);
    if (typeof s !== 'number') throw new TypeError(`${caller}: score ${i} (${c}) is ${String(s)}; expected a number`);
    if (Number.isNaN(s) || seen.has(c)) continue;
    seen.add(c);
    rows.push({ caption: c, score: s });
  }
  // Ascending by score, ties by caption so the order never depends on the input order.
  rows.sort((a, b) => a.score - b.score || (a.caption < b.caption ? -1 : a.caption > b.caption ? 1 : 0));
  const nLow = Math.min(top, Math.ceil(rows.length / 2));
  const nHigh = Math.min(top, rows.length - nLow);
  const low = rows.slice(0, nLow);
  const high = rows.slice(rows.length - nHigh);
  const bar = (part: typeof rows, name: string, color: string) => ({
    type: 'bar',
    orientation: 'h',
    name,
    x: part.map((r) => round(r.score)),
    y: part.map((r) => escapePlotlyText(r.caption)),
    marker: { color },
    hovertemplate: '%{y}<br>score %{x:.4f}<extra></extra>',
  });
  const shown = low.length + high.length;
  const layout = baseLayout(plotTitle(opts.title, 'Captions at both ends of the failure direction'), opts.width ?? 760, opts.height ?? Math.max(260, 26 * shown + 140));
  layout.xaxis = axis('caption score along the direction (negative = failure side)', { zeroline: true, zerolinecolor: '#444' });
  layout.yaxis = {
    type: 'category',
    categoryorder: 'array',
    categoryarray: [...low, ...high].map((r) => escapePlotlyText(r.caption)),
    autorange: 'reversed',
    automargin: true,
    ticks: '',
  };
  layout.bargap = 0.25;
  layout.legend = { orientation: 'h', x: 0, y: 1, xanchor: 'left', yanchor: 'bottom' };
  (layout.margin as Record<string, number>).t = 80;
  return new Figure({
    data: [bar(low, `lowest ${low.length} (failure side)`, WRONG_COLOR), bar(high, `highest ${high.length}`, CORRECT_COLOR)],
    layout,
  });
}
