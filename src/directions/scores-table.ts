/**
 * The tables `FailureDirections` returns (scores, per-class summary, CV results), in the one column
 * vocabulary of the package, and the link from a scores table back to the input it scored.
 *
 * That link is what lets figures and strips take a table: `projectionPlot(dirs, scores)` needs the
 * rows' embeddings and `imageStrip(split, hardest(scores))` their images. A scores table remembers
 * its input keyed by its `score` column; Arquero shares that column between a table and every
 * filtered, ordered, sliced, selected or derived view, and `table.indices()` gives a view's rows as
 * positions in the original — which are the input's rows. (A reified, joined or concatenated table
 * has new columns and no link: functions that need one say so.)
 */
import * as aq from 'arquero';
import { attachClassNames } from '../data/table-vocabulary';
import type { FittedState } from './failure-directions-json';
import type { SplitInput } from './split-input';

/** An Arquero table, as returned by `aq.table`. */
export type ScoresTable = aq.ColumnTable;

const sources = new WeakMap<object, SplitInput>();

/** @internal Builds the scores table of `input` from its decision values and links it to `input`. */
export function scoresTable(input: SplitInput, score: Float64Array, classNames: string[]): ScoresTable {
  const n = score.length;
  const lab = input.labels;
  const rank = new Float64Array(n).fill(NaN);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(score[i])) continue;
    let list = byClass.get(lab[i]);
    if (!list) byClass.set(lab[i], (list = []));
    list.push(i);
  }
  for (const list of byClass.values()) {
    list.sort((a, b) => score[a] - score[b] || a - b);
    list.forEach((i, r) => (rank[i] = r));
  }
  const preds = input.preds;
  const cols: Record<string, ArrayLike<unknown>> = {
    id: input.ids ? Array.from(input.ids) : Array.from({ length: n }, (_, i) => i),
    split: new Array(n).fill(input.split ?? null),
    label: Int32Array.from(lab),
    className: Array.from(lab, (c) => classNames[c]),
    pred: preds ? Int32Array.from(preds) : new Array(n).fill(null),
    predName: preds ? Array.from(preds, (c) => classNames[c]) : new Array(n).fill(null),
    correct: preds ? Array.from(lab, (c, i) => c === preds[i]) : new Array(n).fill(null),
    confidence: input.confidences ? Float64Array.from(input.confidences) : new Float64Array(n).fill(NaN),
    score,
    flagged: Array.from(score, (s) => s < 0),
    rankInClass: rank,
  };
  if (input.groups) cols.group = Array.from(input.groups);
  const table = aq.table(cols as Record<string, unknown[]>);
  sources.set(table.column('score') as object, input);
  return attachClassNames(table, classNames);
}

/**
 * @internal The input a scores table (or a view of one) was made from, and the input row of each of
 * the view's rows, in the view's order; undefined for a table with no link (see the file header).
 */
export function scoresSource(table: ScoresTable): { input: SplitInput; rows: Int32Array } | undefined {
  if (!table || typeof table.columnNames !== 'function' || !table.columnNames().includes('score')) return undefined;
  const input = sources.get(table.column('score') as object);
  if (!input) return undefined;
  return { input, rows: Int32Array.from(table.indices()) };
}

/** @internal Per-class summary table. */
export function classSummaryTable(st: FittedState): ScoresTable {
  const cls = st.classes;
  return aq.table({
    class: cls.map((_, c) => c),
    className: [...st.classNames],
    n: cls.map((s) => s.n),
    nErrors: cls.map((s) => s.nErrors),
    C: cls.map((s) => s.C),
    cvBalancedAccuracy: cls.map((s) => s.cvBalancedAccuracy),
    status: cls.map((s) => s.status),
  });
}

/** @internal CV results, long form: one row per class and C. */
export function cvResultsTable(st: FittedState): ScoresTable {
  const rows = { class: [] as number[], className: [] as string[], C: [] as number[], balancedAccuracy: [] as number[], converged: [] as boolean[], chosen: [] as boolean[], status: [] as string[] };
  st.classes.forEach((s, c) => {
    s.cv.Cs.forEach((C, k) => {
      rows.class.push(c);
      rows.className.push(st.classNames[c]);
      rows.C.push(C);
      rows.balancedAccuracy.push(s.cv.meanBalancedAccuracy[k]);
      rows.converged.push(s.cv.converged[k]);
      rows.chosen.push(s.cv.chosenC === C);
      rows.status.push(s.status);
    });
  });
  return aq.table(rows);
}
